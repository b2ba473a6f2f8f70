// Scenario file loading (see scenario.hpp). Every error names file, line and key.
#include "sim/fake_mx/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "mta/config/yaml_reader.hpp"
#include "sim/fake_mx/dns/zone_yaml.hpp"

namespace mxlab::fakemx {

using config::yaml::Reader;

namespace {

std::string crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  if (!out.empty() && out.back() != '\n') out += "\r\n";
  return out;
}

// A reply: "451 4.7.1 text", or a list whose first item is that and whose other items are
// further lines of a multiline reply (RFC 5321 4.2.1).
bool read_reply(Reader& r, server::Stage stage, Rule& rule) {
  auto node = r.raw("reply");
  if (!node) return false;
  std::vector<std::string> lines;
  if (node->IsScalar()) {
    lines.push_back(node->Scalar());
  } else if (node->IsSequence() && node->size() > 0) {
    for (const auto& item : *node) {
      if (!item.IsScalar()) break;
      lines.push_back(item.Scalar());
    }
    r.check("reply", lines.size() == node->size(), "each line of a multiline reply is a string");
  }
  r.check("reply", !lines.empty(), "expected a reply string or a list of lines");
  if (lines.empty()) return false;
  auto parsed = reply_rule(stage, lines.front());
  r.check("reply", parsed.has_value(), "reply must start with a code 200-599, e.g. \"451 4.7.1 try later\"");
  if (!parsed) return false;
  rule.code = parsed->code, rule.enhanced = parsed->enhanced, rule.text = parsed->text;
  for (std::size_t i = 1; i < lines.size(); ++i) rule.text += "\n" + lines[i];
  return true;
}

void read_matcher(Reader& r, std::string_view key, AddressMatch& out) {
  std::string spec;
  if (!r.string(key, spec)) return;
  std::string error;
  auto m = AddressMatch::parse(spec, &error);
  r.check(key, m.has_value(), error + " (use an address, @domain, or /regex/)");
  if (m) out = *m;
}

}  // namespace

namespace config_yaml {

void read_rule(Reader& r, std::vector<Rule>& rules) {
  std::string stage_name, action = "reply";
  r.require("stage");
  r.string("stage", stage_name);
  auto stage = parse_stage(stage_name);
  r.check("stage", stage.has_value() || stage_name.empty(),
          "unknown stage (use connect, ehlo, helo, mail, rcpt, data, end_of_data, rset, noop, quit, vrfy, starttls)");
  r.string("action", action);
  Rule rule;
  auto kind = parse_action_kind(action);
  r.check("action", kind.has_value(), "unknown action (use " + action_kind_names() + ")");
  if (kind) rule.kind = *kind;
  read_reply(r, stage.value_or(server::Stage::Rcpt), rule);
  r.check("reply", rule.code != 0 || (rule.kind != server::Action::Kind::Reply &&
                                      rule.kind != server::Action::Kind::ReplyThenDisconnect),
          "this action needs a reply");
  r.duration("delay", rule.delay);
  r.string("match", rule.match);
  read_matcher(r, "sender", rule.sender);
  read_matcher(r, "recipient", rule.recipient);
  r.integer("times", rule.times, 0, 1000000);
  r.integer("skip", rule.skip, 0, 1000000);
  r.integer("session", rule.session, 0, 1000000);
  if (r.number("probability", rule.probability))
    r.check("probability", rule.probability >= 0.0 && rule.probability <= 1.0, "expected a number from 0 to 1");
  std::size_t bytes = 0;
  if (r.size("after_bytes", bytes)) {
    rule.after_bytes = bytes;
    r.check("after_bytes", stage == server::Stage::Data, "after_bytes needs stage: data (acts mid-transfer)");
  }
  if (stage) rule.stage = *stage;
  if (r.ok()) rules.push_back(std::move(rule));
}

}  // namespace config_yaml

namespace {

void read_capabilities(Reader& r, server::ServerOptions& o) {
  r.boolean("pipelining", o.pipelining);
  r.boolean("8bitmime", o.eightbitmime);
  r.boolean("smtputf8", o.smtputf8);
  r.boolean("enhancedstatuscodes", o.enhanced_status_codes);
  r.boolean("dsn", o.dsn);
  r.boolean("chunking", o.chunking);
  r.strings("auth", o.auth_mechanisms);
  // size: false withholds SIZE; a size ("10MB") advertises and enforces it.
  if (r.has("size")) {
    bool on = true;
    std::size_t n = 0;
    auto node = r.raw("size");
    std::string v = node && node->IsScalar() ? node->Scalar() : "";
    if (v == "true" || v == "false") {
      on = v == "true";
    } else if (auto parsed = config::yaml::parse_size(v)) {
      n = static_cast<std::size_t>(*parsed);
      o.max_message_size = n;
    } else {
      r.fail("size", "expected true, false or a size such as 10MB");
    }
    o.advertise_size = on;
  }
}

void read_greylist(Reader& r, GreylistOptions& g) {
  g.enabled = true;
  r.boolean("enabled", g.enabled);
  r.duration("delay", g.delay);
  r.integer("attempts", g.attempts, 1, 1000000);
  if (r.string("reply", g.reply))
    r.check("reply", reply_rule(server::Stage::Rcpt, g.reply).has_value(), "expected a reply such as \"451 4.7.1 ...\"");
}

void read_tls(Reader& t, TlsConfig& tls) {
  std::string mode = "starttls";
  if (t.string("mode", mode)) {
    auto m = parse_tls_mode(mode);
    t.check("mode", m.has_value(), "expected none, starttls or implicit");
    if (m) tls.mode = *m;
  } else {
    tls.mode = TlsConfig::Mode::Starttls;
  }
  std::string cert;
  if (t.string("certificate", cert)) {
    auto v = tls::parse_cert_variant(cert);
    t.check("certificate", v.has_value(),
            "expected valid, self_signed, expired, not_yet_valid, wrong_host, untrusted_root or incomplete_chain");
    if (v) tls.certificate = *v;
  }
  t.string("host_name", tls.host_name);
  for (auto [key, field] : {std::pair{"min_version", &tls.min_version}, std::pair{"max_version", &tls.max_version}}) {
    if (t.string(key, *field))
      t.check(key, *field == "1.0" || *field == "1.1" || *field == "1.2" || *field == "1.3", "expected 1.0, 1.1, 1.2 or 1.3");
  }
  t.string("ciphers", tls.ciphers);
  t.string("ciphersuites", tls.ciphersuites);
  t.boolean("handshake_abort", tls.handshake_abort);
  if (t.string("starttls_reply", tls.starttls_reply))
    t.check("starttls_reply", reply_rule(server::Stage::Starttls, tls.starttls_reply).has_value(),
            "expected a reply such as \"454 4.7.0 TLS not available\"");
  t.boolean("starttls_then_plaintext", tls.starttls_then_plaintext);
}

// The host keys below the rules (BehaviourOptions); shared with the control API.
void read_behaviour(Reader& h, BehaviourOptions& b) {
  h.boolean("tarpit", b.tarpit);
  h.integer("seed", b.seed);
  h.boolean("address_conventions", b.address_conventions);
  if (h.has("greylist")) {
    auto node = h.raw("greylist");
    if (node && node->IsScalar()) {
      const std::string v = node->Scalar();
      h.check("greylist", v == "true" || v == "false", "expected true, false or a mapping");
      b.greylist.enabled = v == "true";
    } else {
      h.map("greylist", [&](Reader& g) { read_greylist(g, b.greylist); });
    }
  }
}

void read_host(Reader& h, const std::string& name, Scenario& s) {
  ScenarioHost host;
  host.name = name;
  host.server.hostname = name;
  h.require("address");
  h.string("address", host.address);
  h.list("rules", [&](Reader& item, std::size_t) { config_yaml::read_rule(item, host.rules); });
  h.boolean("refuse", host.refuse);
  read_behaviour(h, host.behaviour);
  h.integer("max_connections", host.server.max_connections, std::size_t{1}, std::size_t{1000000});
  h.integer("max_messages_per_connection", host.server.max_messages_per_connection, std::size_t{0},
            std::size_t{1000000});
  h.integer("max_recipients", host.server.max_recipients, std::size_t{1}, std::size_t{1000000});
  h.size("max_message_size", host.server.max_message_size);
  h.duration("idle_timeout", host.server.idle_timeout);
  h.string("banner", host.server.banner_text);
  h.string("record", host.record);
  std::string recording;
  if (h.string("recording", recording)) {
    auto level = parse_recording_level(recording);
    h.check("recording", level.has_value(), "expected full, envelopes or counts");
    if (level) host.recording = *level;
  }
  // Link speed (MailHog Jim's throttle, Toxiproxy's bandwidth): bytes per second, 0 = unlimited.
  h.size("read_bytes_per_second", host.server.read_bytes_per_second);
  h.size("write_bytes_per_second", host.server.write_bytes_per_second);
  h.map("capabilities", [&](Reader& c) { read_capabilities(c, host.server); });
  h.map("tls", [&](Reader& t) { read_tls(t, host.tls); });
  s.hosts.push_back(std::move(host));
}

void read_dns_faults(Reader& r, Scenario& s) {
  auto node = r.raw("dns_faults");
  if (!node || node->IsNull()) return;
  if (!node->IsMap()) return r.fail("dns_faults", "expected a mapping of name -> fault");
  for (const auto& kv : *node) {
    const std::string name = kv.first.as<std::string>("");
    const int line = kv.first.Mark().line + 1;
    auto fail = [&](const std::string& what) {
      r.fail("dns_faults", "line " + std::to_string(line) + ": dns_faults." + name + ": " + what);
    };
    DnsFaultSpec spec;
    const YAML::Node& v = kv.second;
    std::string fault_name = v.IsScalar() ? v.Scalar() : "";
    if (v.IsMap()) {
      for (const auto& f : v) {
        const std::string k = f.first.as<std::string>("");
        const std::string val = f.second.IsScalar() ? f.second.Scalar() : "";
        if (k == "fault") {
          fault_name = val;
        } else if (k == "times") {
          try { spec.times = std::stoi(val); } catch (...) { return fail("times: expected a count"); }
        } else if (k == "delay") {
          auto d = config::yaml::parse_duration(val);
          if (!d) return fail("delay: expected a duration such as 500ms");
          spec.delay = *d;
        } else {
          return fail("unknown key \"" + k + "\" (use fault, times, delay)");
        }
      }
      if (fault_name.empty()) fault_name = "none";
    } else if (!v.IsScalar()) {
      return fail("expected a fault name or a mapping");
    }
    auto fault = parse_dns_fault(fault_name);
    if (!fault) return fail("unknown fault \"" + fault_name + "\" (use none, servfail, refused, nxdomain, timeout, truncate)");
    spec.fault = *fault;
    s.dns_faults.emplace_back(name, spec);
  }
}

// YAML -> JSON for admin request bodies: plain scalars that look like booleans or integers
// become them, everything else a string.
boost::json::value to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    boost::json::object o;
    for (const auto& kv : n) o[kv.first.as<std::string>("")] = to_json(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    boost::json::array a;
    for (const auto& item : n) a.push_back(to_json(item));
    return a;
  }
  if (!n.IsScalar()) return nullptr;
  const std::string& v = n.Scalar();
  if (n.Tag() == "?") {
    if (v == "true" || v == "false") return v == "true";
    char* end = nullptr;
    long long i = std::strtoll(v.c_str(), &end, 10);
    if (!v.empty() && end && *end == '\0') return i;
  }
  return boost::json::string(v);
}

void read_admin_step(Reader& r, std::vector<AdminStep>& out) {
  AdminStep step;
  step.line = r.line();
  std::string at = "start";
  r.check("post", r.has("post") != r.has("delete"), "give exactly one of post: PATH, delete: PATH");
  if (r.string("post", step.path)) step.method = "POST";
  if (r.string("delete", step.path)) step.method = "DELETE";
  r.check(step.method == "POST" ? "post" : "delete", step.path.empty() || step.path.front() == '/',
          "expected an absolute path such as /api/admin/suspend/v1");
  if (auto body = r.raw("body")) {
    r.check("body", body->IsMap(), "expected a mapping (sent as a JSON object)");
    if (body->IsMap()) step.body = boost::json::serialize(to_json(*body));
  } else {
    step.body = "{}";
  }
  if (r.string("at", at)) r.check("at", at == "start" || at == "sent", "expected start or sent");
  step.after_messages = at == "sent";
  out.push_back(std::move(step));
}

void read_message(Reader& r, std::vector<ScenarioMessage>& out, std::size_t index) {
  ScenarioMessage m;
  m.line = r.line();
  int reply = 0;
  if (r.integer("reply", reply, 200, 599)) m.reply = reply;
  r.require("from");
  r.require("to");
  r.string("from", m.from);
  r.strings("to", m.to);
  std::string subject = "mxlab scenario message " + std::to_string(index + 1), body = "Hello from mxlab.\n";
  r.string("subject", subject);
  r.string("body", body);
  std::string data;
  if (r.string("data", data)) {
    m.data = crlf(data);
  } else {
    std::string to;
    for (const auto& t : m.to) to += (to.empty() ? "" : ", ") + t;
    m.data = crlf("From: <" + m.from + ">\nTo: " + to + "\nSubject: " + subject + "\nMessage-ID: <scenario-" +
                  std::to_string(index + 1) + "@mxlab.test>\n\n" + body);
  }
  out.push_back(std::move(m));
}

void read_scenario(Reader& r, Scenario& s, ScenarioUse use) {
  r.string("name", s.name);
  r.string("description", s.description);
  r.duration("timeout", s.timeout);
  if (auto zone = r.raw("dns")) {
    auto records = parse_zone_yaml(*zone, s.file);
    if (records) s.dns = std::move(*records);
    else r.fail("dns", records.error());
  }
  read_dns_faults(r, s);
  r.map("dns_options", [&](Reader& d) {
    d.boolean("authenticated_data", s.dns_options.authenticated_data);
    d.size("truncate_above", s.dns_options.truncate_above);
  });
  r.entries("hosts", [&](const std::string& name, Reader& h) { read_host(h, name, s); });
  r.map("mta", [&](Reader& m) { config::read_mta_config(m, s.mta); });
  if (use == ScenarioUse::Run) r.require("messages");
  r.list("messages", [&](Reader& item, std::size_t i) { read_message(item, s.messages, i); });
  r.list("admin", [&](Reader& item, std::size_t) { read_admin_step(item, s.admin); });
  read_expectations(r, s.expect, use == ScenarioUse::Run);
}

}  // namespace

Expected<Scenario, config::ConfigError> load_scenario_text(const std::string& text, const std::string& name,
                                                           ScenarioUse use) {
  Scenario s;
  s.file = name;
  if (auto err = config::yaml::read_text(text, name, [&](Reader& r) { read_scenario(r, s, use); }))
    return unexpected(*err);
  if (s.name.empty()) s.name = name;
  return s;
}

Expected<Scenario, config::ConfigError> load_scenario_file(const std::string& path, ScenarioUse use) {
  Scenario s;
  s.file = path;
  if (auto err = config::yaml::read_file(path, [&](Reader& r) { read_scenario(r, s, use); }))
    return unexpected(*err);
  if (s.name.empty()) s.name = path;
  return s;
}

Expected<BehaviourOptions, config::ConfigError> load_behaviour_text(const std::string& text, const std::string& name,
                                                                   BehaviourOptions base) {
  auto err = config::yaml::read_text(text, name, [&](Reader& r) { read_behaviour(r, base); });
  if (err) return unexpected(*err);
  return base;
}

Expected<std::vector<Rule>, config::ConfigError> load_rules_text(const std::string& text, const std::string& name) {
  std::vector<Rule> rules;
  auto err = config::yaml::read_text(text, name, [&](Reader& r) {
    r.require("rules");
    r.list("rules", [&](Reader& item, std::size_t) { config_yaml::read_rule(item, rules); });
  });
  if (err) return unexpected(*err);
  return rules;
}

}  // namespace mxlab::fakemx
