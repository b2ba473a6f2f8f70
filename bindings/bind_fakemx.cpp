// Python view of fake MX hosts (sim/fake_mx): Stage/ActionKind, Rule, ServerOptions,
// MxHostConfig, RecordedTransaction and MxHost, whose blocking calls release the GIL.
#include <sstream>

#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "sim/fake_mx/mx_host.hpp"

namespace py = pybind11;
using namespace mxlab::fakemx;
using mxlab::server::Action;
using mxlab::server::ServerOptions;
using mxlab::server::Stage;

namespace mxlab::py_bind {
namespace {

void bind_enums(py::module_& m) {
  py::enum_<Stage>(m, "Stage")
      .value("Connect", Stage::Connect).value("Ehlo", Stage::Ehlo).value("Helo", Stage::Helo)
      .value("Mail", Stage::Mail).value("Rcpt", Stage::Rcpt).value("Data", Stage::Data)
      .value("EndOfData", Stage::EndOfData).value("Rset", Stage::Rset).value("Noop", Stage::Noop)
      .value("Quit", Stage::Quit).value("Vrfy", Stage::Vrfy).value("Starttls", Stage::Starttls)
      .value("Unknown", Stage::Unknown);
  py::enum_<Action::Kind>(m, "ActionKind")
      .value("Proceed", Action::Kind::Proceed)
      .value("Reply", Action::Kind::Reply)
      .value("Disconnect", Action::Kind::Disconnect)
      .value("ReplyThenDisconnect", Action::Kind::ReplyThenDisconnect)
      .value("NoAnswer", Action::Kind::NoAnswer);
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
      .def(py::init([](py::handle stage, Action::Kind kind, int code, std::string enhanced, std::string text,
                       std::chrono::milliseconds delay, std::string match, int times) {
             return Rule{stage_from(stage), kind, code, std::move(enhanced), std::move(text), delay,
                         std::move(match), times};
           }),
           py::arg("stage") = Stage::Rcpt, py::arg("kind") = Action::Kind::Reply, py::arg("code") = 0,
           py::arg("enhanced") = "", py::arg("text") = "", py::arg("delay") = std::chrono::milliseconds(0),
           py::arg("match") = "", py::arg("times") = 0)
      // Rule.reply("rcpt", "451 4.7.1 try later", times=1): the common case in one line.
      .def_static("reply", [](py::handle stage, const std::string& reply, int times, std::string match) {
             auto r = reply_rule(stage_from(stage), reply);
             if (!r) throw py::value_error("not an SMTP reply: '" + reply + "'");
             r->times = times;
             r->match = std::move(match);
             return *r;
           }, py::arg("stage"), py::arg("reply"), py::arg("times") = 0, py::arg("match") = "")
      .def_readwrite("stage", &Rule::stage)
      .def_readwrite("kind", &Rule::kind)
      .def_readwrite("code", &Rule::code)
      .def_readwrite("enhanced", &Rule::enhanced)
      .def_readwrite("text", &Rule::text)
      .def_readwrite("delay", &Rule::delay)
      .def_readwrite("match", &Rule::match)
      .def_readwrite("times", &Rule::times);
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
      .def_readwrite("advertise_size", &ServerOptions::advertise_size);

  py::class_<MxHostConfig>(m, "MxHostConfig")
      .def(py::init([](std::string name, std::string address, std::uint16_t port, std::vector<Rule> rules,
                       std::optional<ServerOptions> server) {
             MxHostConfig c{std::move(name), std::move(address), port, std::move(rules), {}};
             c.server = server ? *server : ServerOptions{};
             if (!server) c.server.hostname = c.name;
             return c;
           }),
           py::arg("name") = "mx", py::arg("address") = "127.0.0.2", py::arg("port") = 0,
           py::arg("rules") = std::vector<Rule>{}, py::arg("server") = std::nullopt)
      .def_readwrite("name", &MxHostConfig::name)
      .def_readwrite("address", &MxHostConfig::address)
      .def_readwrite("port", &MxHostConfig::port)
      .def_readwrite("rules", &MxHostConfig::rules)
      .def_readwrite("server", &MxHostConfig::server);

  py::class_<RecordedTransaction>(m, "RecordedTransaction")
      .def_readonly("host", &RecordedTransaction::host)
      .def_readonly("client_address", &RecordedTransaction::client_address)
      .def_readonly("helo", &RecordedTransaction::helo)
      .def_readonly("mail_from", &RecordedTransaction::mail_from)
      .def_readonly("rcpt_to", &RecordedTransaction::rcpt_to)
      // bytes: the message exactly as received (un-stuffed, CRLF), 8-bit safe.
      .def_property_readonly("data", [](const RecordedTransaction& t) { return py::bytes(t.data); })
      .def_readonly("received", &RecordedTransaction::received)
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
      .def("wait_for_transactions", &wait_for_transactions, py::arg("count") = 1, py::arg("timeout") = 10.0,
           "Blocks (GIL released) until `count` transactions are recorded; raises WaitTimeout.")
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
}

}  // namespace mxlab::py_bind
