// Python view of fake MX hosts (sim/fake_mx): Stage/ActionKind, Rule, ServerOptions,
// BehaviourOptions/GreylistOptions, MxHostConfig, recordings and MxHost, whose blocking calls
// release the GIL; ControlApi serves the HTTP control API for hosts started from Python.
#include <sstream>

#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "sim/fake_mx/control_api.hpp"
#include "sim/fake_mx/mx_host.hpp"
#include "sim/fake_mx/scenario.hpp"

namespace py = pybind11;
using namespace mxlab::fakemx;
using mxlab::server::Action;
using mxlab::server::ServerOptions;
using mxlab::server::Stage;

namespace mxlab::py_bind {
namespace {

RecordingLevel recording_level(const std::string& name) {
  auto level = parse_recording_level(name);
  if (!level) throw py::value_error("recording: expected full, envelopes or counts, got '" + name + "'");
  return *level;
}

void bind_enums(py::module_& m) {
  py::enum_<Stage>(m, "Stage")
      .value("Connect", Stage::Connect).value("Ehlo", Stage::Ehlo).value("Helo", Stage::Helo)
      .value("Mail", Stage::Mail).value("Rcpt", Stage::Rcpt).value("Data", Stage::Data)
      .value("EndOfData", Stage::EndOfData).value("Rset", Stage::Rset).value("Noop", Stage::Noop)
      .value("Quit", Stage::Quit).value("Vrfy", Stage::Vrfy).value("Starttls", Stage::Starttls).value("Auth", Stage::Auth)
      .value("Unknown", Stage::Unknown);
  py::enum_<Action::Kind>(m, "ActionKind")
      .value("Proceed", Action::Kind::Proceed)
      .value("Reply", Action::Kind::Reply)
      .value("Disconnect", Action::Kind::Disconnect)
      .value("ReplyThenDisconnect", Action::Kind::ReplyThenDisconnect)
      .value("NoAnswer", Action::Kind::NoAnswer)
      .value("Reset", Action::Kind::Reset);
}

Action::Kind kind_from(py::handle h) {
  if (py::isinstance<py::str>(h)) {
    auto k = parse_action_kind(h.cast<std::string>());
    if (!k) throw py::value_error("unknown action '" + h.cast<std::string>() + "' (use " + action_kind_names() + ")");
    return *k;
  }
  return h.cast<Action::Kind>();
}

AddressMatch matcher(const std::string& spec) {
  std::string error;
  auto m = AddressMatch::parse(spec, &error);
  if (!m) throw py::value_error(error);
  return *m;
}

Stage stage_from(py::handle h) {
  if (py::isinstance<py::str>(h)) {
    auto s = parse_stage(h.cast<std::string>());
    if (!s) throw py::value_error("unknown SMTP stage '" + h.cast<std::string>() + "'");
    return *s;
  }
  return h.cast<Stage>();
}

void bind_rule(py::module_& m) {
  py::class_<Rule>(m, "Rule")
      .def(py::init([](py::handle stage, py::handle kind, int code, std::string enhanced, std::string text,
                       std::chrono::milliseconds delay, std::string match, int times, std::string sender,
                       std::string recipient, int skip, int session, double probability,
                       std::optional<std::size_t> after_bytes) {
             if (probability < 0.0 || probability > 1.0) throw py::value_error("probability must be in [0, 1]");
             Rule r{stage_from(stage), kind_from(kind), code, std::move(enhanced), std::move(text), delay,
                    std::move(match), times};
             r.sender = matcher(sender);
             r.recipient = matcher(recipient);
             r.skip = skip;
             r.session = session;
             r.probability = probability;
             r.after_bytes = after_bytes;
             return r;
           }),
           py::arg("stage") = Stage::Rcpt, py::arg("kind") = Action::Kind::Reply, py::arg("code") = 0,
           py::arg("enhanced") = "", py::arg("text") = "", py::arg("delay") = std::chrono::milliseconds(0),
           py::arg("match") = "", py::arg("times") = 0, py::arg("sender") = "", py::arg("recipient") = "",
           py::arg("skip") = 0, py::arg("session") = 0, py::arg("probability") = 1.0,
           py::arg("after_bytes") = std::nullopt)
      // Rule.reply("rcpt", "451 4.7.1 try later", times=1): the common case in one line. A list of
      // strings is a multiline reply: the first carries the code, the rest are further lines.
      .def_static("reply", [](py::handle stage, py::handle reply, int times, std::string match, std::string sender,
                              std::string recipient, int skip, int session, double probability, py::handle kind,
                              std::optional<std::size_t> after_bytes) {
             std::vector<std::string> lines;
             if (py::isinstance<py::str>(reply)) lines.push_back(reply.cast<std::string>());
             else lines = reply.cast<std::vector<std::string>>();
             if (lines.empty()) throw py::value_error("empty reply");
             auto r = reply_rule(stage_from(stage), lines.front());
             if (!r) throw py::value_error("not an SMTP reply: '" + lines.front() + "'");
             for (std::size_t i = 1; i < lines.size(); ++i) r->text += "\n" + lines[i];
             if (probability < 0.0 || probability > 1.0) throw py::value_error("probability must be in [0, 1]");
             r->times = times;
             r->match = std::move(match);
             r->sender = matcher(sender);
             r->recipient = matcher(recipient);
             r->skip = skip;
             r->session = session;
             r->probability = probability;
             if (!kind.is_none()) r->kind = kind_from(kind);
             if (after_bytes && r->stage != Stage::Data) throw py::value_error("after_bytes: stage data only");
             r->after_bytes = after_bytes;
             return *r;
           }, py::arg("stage"), py::arg("reply"), py::arg("times") = 0, py::arg("match") = "",
           py::arg("sender") = "", py::arg("recipient") = "", py::arg("skip") = 0, py::arg("session") = 0,
           py::arg("probability") = 1.0, py::arg("kind") = py::none(), py::arg("after_bytes") = std::nullopt)
      .def_readwrite("stage", &Rule::stage)
      .def_readwrite("kind", &Rule::kind)
      .def_readwrite("code", &Rule::code)
      .def_readwrite("enhanced", &Rule::enhanced)
      .def_readwrite("text", &Rule::text)
      .def_readwrite("delay", &Rule::delay)
      .def_readwrite("match", &Rule::match)
      .def_readwrite("times", &Rule::times)
      .def_property("sender", [](const Rule& r) { return r.sender.spec(); },
                    [](Rule& r, const std::string& s) { r.sender = matcher(s); })
      .def_property("recipient", [](const Rule& r) { return r.recipient.spec(); },
                    [](Rule& r, const std::string& s) { r.recipient = matcher(s); })
      .def_readwrite("skip", &Rule::skip)
      .def_readwrite("session", &Rule::session)
      .def_readwrite("probability", &Rule::probability)
      .def_readwrite("after_bytes", &Rule::after_bytes);
}

void bind_behaviour(py::module_& m) {
  py::class_<GreylistOptions>(m, "GreylistOptions")
      .def(py::init([](bool enabled, std::chrono::milliseconds delay, int attempts, std::string reply) {
             return GreylistOptions{enabled, delay, attempts, std::move(reply)};
           }), py::arg("enabled") = true, py::arg("delay") = std::chrono::milliseconds(0), py::arg("attempts") = 1,
           py::arg("reply") = GreylistOptions{}.reply)
      .def_readwrite("enabled", &GreylistOptions::enabled)
      .def_readwrite("delay", &GreylistOptions::delay)
      .def_readwrite("attempts", &GreylistOptions::attempts)
      .def_readwrite("reply", &GreylistOptions::reply);
  py::class_<BehaviourOptions>(m, "BehaviourOptions")
      .def(py::init([](std::uint64_t seed, bool conventions, bool tarpit, std::optional<GreylistOptions> g) {
             BehaviourOptions o{seed, conventions, tarpit, {}};
             if (g) o.greylist = *g;
             return o;
           }), py::arg("seed") = 1, py::arg("address_conventions") = true, py::arg("tarpit") = false,
           py::arg("greylist") = std::nullopt)
      .def_readwrite("seed", &BehaviourOptions::seed)
      .def_readwrite("address_conventions", &BehaviourOptions::address_conventions)
      .def_readwrite("tarpit", &BehaviourOptions::tarpit)
      .def_readwrite("greylist", &BehaviourOptions::greylist);
}

void bind_host_config(py::module_& m) {
  py::class_<ServerOptions>(m, "ServerOptions")
      .def(py::init<>())
      .def_readwrite("hostname", &ServerOptions::hostname)
      .def_readwrite("banner_text", &ServerOptions::banner_text)
      .def_readwrite("max_message_size", &ServerOptions::max_message_size)
      .def_readwrite("max_line_length", &ServerOptions::max_line_length)
      .def_readwrite("max_recipients", &ServerOptions::max_recipients)
      .def_readwrite("max_connections", &ServerOptions::max_connections)
      .def_readwrite("idle_timeout", &ServerOptions::idle_timeout)
      .def_readwrite("pipelining", &ServerOptions::pipelining)
      .def_readwrite("eightbitmime", &ServerOptions::eightbitmime)
      .def_readwrite("enhanced_status_codes", &ServerOptions::enhanced_status_codes)
      .def_readwrite("smtputf8", &ServerOptions::smtputf8)
      .def_readwrite("advertise_size", &ServerOptions::advertise_size)
      .def_readwrite("chunking", &ServerOptions::chunking)
      .def_readwrite("dsn", &ServerOptions::dsn)
      .def_readwrite("auth_mechanisms", &ServerOptions::auth_mechanisms)
      .def_readwrite("max_messages_per_connection", &ServerOptions::max_messages_per_connection)
      .def_readwrite("read_bytes_per_second", &ServerOptions::read_bytes_per_second)
      .def_readwrite("write_bytes_per_second", &ServerOptions::write_bytes_per_second);

  py::class_<MxHostConfig>(m, "MxHostConfig")
      .def(py::init([](std::string name, std::string address, std::uint16_t port, std::vector<Rule> rules,
                       std::optional<ServerOptions> server, std::optional<BehaviourOptions> behaviour, bool refuse,
                       std::string record_path) {
             MxHostConfig c;
             c.name = std::move(name);
             c.address = std::move(address);
             c.port = port;
             c.rules = std::move(rules);
             c.server = server ? *server : ServerOptions{};
             if (!server) c.server.hostname = c.name;
             if (behaviour) c.behaviour = *behaviour;
             c.refuse = refuse;
             c.record_path = std::move(record_path);
             return c;
           }),
           py::arg("name") = "mx", py::arg("address") = "127.0.0.2", py::arg("port") = 0,
           py::arg("rules") = std::vector<Rule>{}, py::arg("server") = std::nullopt,
           py::arg("behaviour") = std::nullopt, py::arg("refuse") = false, py::arg("record_path") = "")
      .def_readwrite("name", &MxHostConfig::name)
      .def_readwrite("address", &MxHostConfig::address)
      .def_readwrite("port", &MxHostConfig::port)
      .def_readwrite("rules", &MxHostConfig::rules)
      .def_readwrite("server", &MxHostConfig::server)
      .def_readwrite("behaviour", &MxHostConfig::behaviour)
      .def_readwrite("refuse", &MxHostConfig::refuse)
      .def_readwrite("record_path", &MxHostConfig::record_path)
      .def_property("recording", [](const MxHostConfig& c) { return std::string(to_string(c.recording)); },
                    [](MxHostConfig& c, const std::string& level) { c.recording = recording_level(level); },
                    "What the recording keeps: full, envelopes (no data or transcripts) or counts.");

  py::class_<TranscriptLine>(m, "TranscriptLine")
      .def_readonly("at", &TranscriptLine::at)
      .def_property_readonly("direction", [](const TranscriptLine& l) { return std::string(1, l.direction); })
      .def_readonly("text", &TranscriptLine::text)
      .def("__repr__", [](const TranscriptLine& l) { return std::string(1, l.direction) + ": " + l.text; });
  py::class_<RecordedSession>(m, "RecordedSession")
      .def_readonly("id", &RecordedSession::id)
      .def_readonly("host", &RecordedSession::host)
      .def_readonly("peer", &RecordedSession::peer)
      .def_readonly("local", &RecordedSession::local)
      .def_readonly("helo", &RecordedSession::helo)
      .def_readonly("tls", &RecordedSession::tls)
      .def_readonly("tls_version", &RecordedSession::tls_version)
      .def_readonly("tls_cipher", &RecordedSession::tls_cipher)
      .def_readonly("authenticated", &RecordedSession::authenticated)
      .def_readonly("auth_user", &RecordedSession::auth_user)
      .def_readonly("started", &RecordedSession::started)
      .def_readonly("ended", &RecordedSession::ended)
      .def_readonly("closed", &RecordedSession::closed)
      .def_readonly("transactions", &RecordedSession::transactions)
      .def_readonly("transcript", &RecordedSession::transcript)
      .def("lines", [](const RecordedSession& s, const std::string& direction) {
             std::vector<std::string> out;
             for (const auto& l : s.transcript)
               if (direction.empty() || direction[0] == l.direction) out.push_back(l.text);
             return out;
           }, py::arg("direction") = "", "Transcript texts, optionally only 'C' (client) or 'S' (server).");

  py::class_<RecordedTransaction>(m, "RecordedTransaction")
      .def_readonly("host", &RecordedTransaction::host)
      .def_readonly("client_address", &RecordedTransaction::client_address)
      .def_readonly("helo", &RecordedTransaction::helo)
      .def_readonly("mail_from", &RecordedTransaction::mail_from)
      .def_readonly("rcpt_to", &RecordedTransaction::rcpt_to)
      // bytes: the message exactly as received (un-stuffed, CRLF), 8-bit safe.
      .def_property_readonly("data", [](const RecordedTransaction& t) { return py::bytes(t.data); })
      .def_readonly("received", &RecordedTransaction::received)
      .def_readonly("session_id", &RecordedTransaction::session_id)
      .def_readonly("tls", &RecordedTransaction::tls)
      .def_readonly("tls_version", &RecordedTransaction::tls_version)
      .def_readonly("tls_cipher", &RecordedTransaction::tls_cipher)
      .def_readonly("size", &RecordedTransaction::size)
      .def_readonly("authenticated", &RecordedTransaction::authenticated)
      .def_readonly("auth_user", &RecordedTransaction::auth_user)
      .def_readonly("reply", &RecordedTransaction::reply)
      .def("__repr__", [](const RecordedTransaction& t) {
        std::ostringstream os;
        os << "RecordedTransaction(" << t.host << " from=<" << t.mail_from << "> rcpt=" << t.rcpt_to.size()
           << " bytes=" << t.data.size() << ")";
        return os.str();
      });
}

std::vector<RecordedTransaction> wait_for_transactions(const MxHost& h, std::size_t n, double timeout) {
  std::size_t got = 0;
  {
    py::gil_scoped_release nogil;
    got = h.wait_for_transactions(n, seconds_to_ms(timeout));
  }
  if (got < n) {
    std::ostringstream os;
    os << h.config().name << " (" << h.config().address << ":" << h.port() << "): " << got << " of " << n
       << " transaction(s) after " << timeout << "s, " << h.connections() << " connection(s)";
    throw WaitTimeoutFailure(os.str());
  }
  return h.transactions();
}

}  // namespace

void bind_fakemx(py::module_& m) {
  bind_enums(m);
  bind_rule(m);
  bind_behaviour(m);
  bind_host_config(m);
  using release = py::call_guard<py::gil_scoped_release>;
  py::class_<MxHost>(m, "MxHost")
      .def(py::init<MxHostConfig>(), py::arg("config"))
      .def("start", [](MxHost& h) {
             Status s = h.start();
             if (!s.ok()) throw StartFailure(h.config().name + " on " + h.config().address + ": " + s.error);
           }, release(), "Binds and starts serving; raises StartError.")
      .def("stop", &MxHost::stop, release())
      .def_property_readonly("config", &MxHost::config)
      .def_property_readonly("name", [](const MxHost& h) { return h.config().name; })
      .def_property_readonly("address", [](const MxHost& h) { return h.config().address; })
      .def_property_readonly("port", &MxHost::port)
      .def_property_readonly("connections", &MxHost::connections)
      .def("transactions", &MxHost::transactions)
      .def("refused", &MxHost::refused, "Transactions refused at end of data, each with the reply sent.")
      .def("wait_for_transactions", &wait_for_transactions, py::arg("count") = 1, py::arg("timeout") = 10.0,
           "Blocks (GIL released) until `count` transactions are recorded; raises WaitTimeout.")
      .def("sessions", &MxHost::sessions)
      .def("wait_for_sessions", [](const MxHost& h, std::size_t n, double timeout) {
             std::size_t got = 0;
             {
               py::gil_scoped_release nogil;
               got = h.wait_for_sessions(n, seconds_to_ms(timeout));
             }
             if (got < n)
               throw WaitTimeoutFailure(h.config().name + ": " + std::to_string(got) + " of " + std::to_string(n) +
                                        " closed session(s) after " + std::to_string(timeout) + "s");
             return h.sessions();
           }, py::arg("count") = 1, py::arg("timeout") = 10.0,
           "Blocks (GIL released) until `count` sessions have closed; raises WaitTimeout.")
      .def("recording_json", &MxHost::recording_json)
      .def("write_recording", [](const MxHost& h, const std::string& path) {
             Status s = h.write_recording(path);
             if (!s.ok()) throw py::value_error(s.error);
           }, py::arg("path"))
      .def("reset", &MxHost::reset, release(),
           "Forgets recordings, greylist triplets, rule match counts; reseeds the RNG.")
      .def("reset_greylist", [](MxHost& h) { h.policy().reset_greylist(); })
      .def_property("recording", [](MxHost& h) { return std::string(to_string(h.recorder().level())); },
                    [](MxHost& h, const std::string& level) { h.recorder().set_level(recording_level(level)); },
                    "What the recording keeps from now on: full, envelopes or counts.")
      .def_property("behaviour", [](MxHost& h) { return h.policy().options(); },
                    [](MxHost& h, BehaviourOptions o) { h.policy().set_options(std::move(o)); })
      .def("rules", [](MxHost& h) { return h.policy().rules(); })
      .def("set_rules_yaml", [](MxHost& h, const std::string& text) {
             auto rules = load_rules_text(text, "rules");
             if (!rules) {
               const auto& e = rules.error();
               throw ConfigFailure(e.str(), e.file, e.line, e.key);
             }
             h.policy().set_rules(std::move(*rules));
           }, py::arg("text"), "Replaces the rules from YAML/JSON text: {rules: [...]} as in a scenario file.")
      .def("set_rules", [](MxHost& h, std::vector<Rule> rules) { h.policy().set_rules(std::move(rules)); },
           py::arg("rules"))
      .def("add_rule", [](MxHost& h, Rule r) { h.policy().add_rule(std::move(r)); }, py::arg("rule"))
      .def("clear_rules", [](MxHost& h) { h.policy().set_rules({}); })
      .def("__enter__", [](MxHost& h) -> MxHost& {
             py::gil_scoped_release nogil;
             Status s = h.start();
             if (!s.ok()) throw StartFailure(h.config().name + ": " + s.error);
             return h;
           }, py::return_value_policy::reference)
      .def("__exit__", [](MxHost& h, py::args) { py::gil_scoped_release nogil; h.stop(); });

  py::class_<ControlApi>(m, "ControlApi")
      .def(py::init([](std::vector<MxHost*> hosts, FakeDns* dns) {
             return std::make_unique<ControlApi>(ControlTargets{std::move(hosts), dns});
           }), py::arg("hosts"), py::arg("dns") = nullptr, py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def("start", [](ControlApi& c, const std::string& address, std::uint16_t port, const std::string& token,
                       std::optional<std::vector<std::string>> trusted_hosts, bool allow_unauthenticated) {
             ControlAccess access;
             access.token = token;
             if (trusted_hosts) access.trusted_hosts = *trusted_hosts;
             access.allow_unauthenticated = allow_unauthenticated;
             Status s = c.start(address, port, access);
             if (!s.ok()) throw StartFailure(s.error);
           }, py::arg("address") = "127.0.0.1", py::arg("port") = 0, py::arg("token") = "",
           py::arg("trusted_hosts") = std::nullopt, py::arg("allow_unauthenticated") = false, release())
      .def("stop", &ControlApi::stop, release())
      .def_property_readonly("port", &ControlApi::port);
}

}  // namespace mxlab::py_bind
