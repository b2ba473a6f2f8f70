// Scenario file loading (see scenario.hpp). Every error names file, line and key.
#include "sim/fake_mx/scenario.hpp"

#include <yaml-cpp/yaml.h>

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

void read_rule(Reader& r, std::vector<Rule>& rules) {
  std::string stage_name, reply, action = "reply";
  r.require("stage");
  r.string("stage", stage_name);
  auto stage = parse_stage(stage_name);
  r.check("stage", stage.has_value() || stage_name.empty(),
          "unknown stage (use connect, ehlo, helo, mail, rcpt, data, end_of_data, rset, noop, quit)");
  r.string("action", action);
  Rule rule;
  static const std::pair<const char*, server::Action::Kind> kinds[] = {
      {"reply", server::Action::Kind::Reply},
      {"disconnect", server::Action::Kind::Disconnect},
      {"reply_then_disconnect", server::Action::Kind::ReplyThenDisconnect},
      {"no_answer", server::Action::Kind::NoAnswer},
      {"delay", server::Action::Kind::Proceed}};
  bool known = false;
  for (auto [name, kind] : kinds)
    if (action == name) rule.kind = kind, known = true;
  r.check("action", known, "unknown action (use reply, disconnect, reply_then_disconnect, no_answer, delay)");
  if (r.string("reply", reply)) {
    auto parsed = reply_rule(stage.value_or(server::Stage::Rcpt), reply);
    r.check("reply", parsed.has_value(), "reply must start with a code 200-599, e.g. \"451 4.7.1 try later\"");
    if (parsed) rule.code = parsed->code, rule.enhanced = parsed->enhanced, rule.text = parsed->text;
  }
  r.check("reply", rule.code != 0 || (rule.kind != server::Action::Kind::Reply &&
                                      rule.kind != server::Action::Kind::ReplyThenDisconnect),
          "this action needs a reply");
  r.duration("delay", rule.delay);
  r.string("match", rule.match);
  r.integer("times", rule.times, 0, 1000000);
  if (stage) rule.stage = *stage;
  if (r.ok()) rules.push_back(std::move(rule));
}

void read_expectation(Reader& r, std::vector<RecipientExpectation>& out) {
  RecipientExpectation e;
  e.line = r.line();
  r.require("recipient");
  r.string("recipient", e.recipient);
  std::string host;
  int code = 0;
  if (r.string("delivered_to", host)) e.delivered_to = host;
  if (r.integer("deferred", code, 400, 499)) e.deferred = code;
  if (r.integer("bounced", code, 500, 599)) e.bounced = code;
  int outcomes = e.delivered_to.has_value() + e.deferred.has_value() + e.bounced.has_value();
  r.check("recipient", outcomes == 1, "give exactly one of delivered_to, deferred, bounced");
  r.strings("log", e.log);
  out.push_back(std::move(e));
}

void read_message(Reader& r, std::vector<ScenarioMessage>& out, std::size_t index) {
  ScenarioMessage m;
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

void read_scenario(Reader& r, Scenario& s) {
  r.string("name", s.name);
  r.string("description", s.description);
  r.duration("timeout", s.timeout);
  if (auto zone = r.raw("dns")) {
    auto records = parse_zone_yaml(*zone, s.file);
    if (records) s.dns = std::move(*records);
    else r.fail("dns", records.error());
  }
  r.entries("hosts", [&](const std::string& name, Reader& h) {
    ScenarioHost host{name, "", {}};
    h.require("address");
    h.string("address", host.address);
    h.list("rules", [&](Reader& item, std::size_t) { read_rule(item, host.rules); });
    s.hosts.push_back(std::move(host));
  });
  r.map("mta", [&](Reader& m) { config::read_mta_config(m, s.mta); });
  r.require("messages");
  r.list("messages", [&](Reader& item, std::size_t i) { read_message(item, s.messages, i); });
  r.require("expect");
  r.list("expect", [&](Reader& item, std::size_t) { read_expectation(item, s.expect); });
}

}  // namespace

Expected<Scenario, config::ConfigError> load_scenario_text(const std::string& text, const std::string& name) {
  Scenario s;
  s.file = name;
  if (auto err = config::yaml::read_text(text, name, [&](Reader& r) { read_scenario(r, s); })) return unexpected(*err);
  if (s.name.empty()) s.name = name;
  return s;
}

Expected<Scenario, config::ConfigError> load_scenario_file(const std::string& path) {
  Scenario s;
  s.file = path;
  if (auto err = config::yaml::read_file(path, [&](Reader& r) { read_scenario(r, s); })) return unexpected(*err);
  if (s.name.empty()) s.name = path;
  return s;
}

}  // namespace mxlab::fakemx
