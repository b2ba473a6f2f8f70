// The fakemx control API's routes: pure Request -> Response handlers over the running hosts and
// fake DNS (no sockets here; control_api.cpp serves them). Paths under /api/fakemx/v1/.
#include <boost/json.hpp>
#include <charconv>
#include <optional>

#include "mta/config/yaml_reader.hpp"
#include "sim/fake_mx/control_api.hpp"
#include "sim/fake_mx/scenario.hpp"

namespace mxlab::fakemx {

using admin::Method;
using admin::Request;
using admin::Response;

namespace {

std::string param(const Request& r, std::string_view key, std::string fallback = "") {
  auto it = r.query.find(key);
  return it == r.query.end() ? fallback : it->second;
}

// A whole non-negative decimal number, or nullopt ("12x", "-1" and "" are refused).
std::optional<std::size_t> number(const std::string& text) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// The hosts a request names (?host=NAME), all of them without the parameter.
std::vector<MxHost*> select(const ControlTargets& t, const Request& r) {
  const std::string name = param(r, "host");
  std::vector<MxHost*> out;
  for (MxHost* h : t.hosts)
    if (name.empty() || h->config().name == name) out.push_back(h);
  return out;
}

Response hosts(const ControlTargets& t) {
  boost::json::array a;
  for (MxHost* h : t.hosts)
    a.push_back(boost::json::object{{"name", h->config().name}, {"address", h->config().address},
                                    {"port", h->port()}, {"connections", h->connections()},
                                    {"transactions", h->recorder().transaction_count()},
                                    {"refuse", h->config().refuse}});
  return admin::json_response(200, boost::json::serialize(boost::json::object{{"hosts", std::move(a)}}));
}

Response recording(const ControlTargets& t, const Request& r) {
  auto hs = select(t, r);
  if (hs.empty()) return admin::error_response(404, "no host '" + param(r, "host") + "'");
  std::string out = "{\"hosts\":[";
  for (std::size_t i = 0; i < hs.size(); ++i) out += (i ? "," : "") + hs[i]->recording_json();
  return admin::json_response(200, out + "]}");
}

Response put_rules(const ControlTargets& t, const Request& r) {
  auto hs = select(t, r);
  if (hs.empty() || param(r, "host").empty()) return admin::error_response(404, "name one host: ?host=NAME");
  auto rules = load_rules_text(r.body, "request body");
  if (!rules) return admin::error_response(400, rules.error().str());
  hs.front()->policy().set_rules(*rules);
  return admin::json_response(200, "{\"rules\":" + std::to_string(rules->size()) + "}");
}

// Replaces the named host's behaviour below the rules (tarpit, seed, address_conventions,
// greylist) with the keys the body gives; the others keep their values.
Response put_behaviour(const ControlTargets& t, const Request& r) {
  auto hs = select(t, r);
  if (hs.empty() || param(r, "host").empty()) return admin::error_response(404, "name one host: ?host=NAME");
  RulePolicy& policy = hs.front()->policy();
  auto options = load_behaviour_text(r.body, "request body", policy.options());
  if (!options) return admin::error_response(400, options.error().str());
  policy.set_options(*options);
  const auto& b = *options;
  return admin::json_response(
      200, boost::json::serialize(boost::json::object{
               {"tarpit", b.tarpit}, {"seed", b.seed}, {"address_conventions", b.address_conventions},
               {"greylist", boost::json::object{{"enabled", b.greylist.enabled},
                                                {"delay_ms", b.greylist.delay.count()},
                                                {"attempts", b.greylist.attempts}}}}));
}

Response reset(const ControlTargets& t, const Request& r) {
  auto hs = select(t, r);
  if (hs.empty()) return admin::error_response(404, "no host '" + param(r, "host") + "'");
  for (MxHost* h : hs) h->reset();
  if (t.dns && param(r, "host").empty()) t.dns->clear_query_log();
  return admin::json_response(200, "{\"reset\":" + std::to_string(hs.size()) + "}");
}

// Blocks this request (not the hosts) until `count` transactions arrived at the named host(s).
Response wait(const ControlTargets& t, const Request& r) {
  auto hs = select(t, r);
  if (hs.size() != 1) return admin::error_response(404, "name one host: ?host=NAME");
  auto count = number(param(r, "count", "1"));
  if (!count) return admin::error_response(400, "count: expected a whole number, got '" + param(r, "count") + "'");
  auto timeout = config::yaml::parse_duration(param(r, "timeout", "10s"));
  if (!timeout) return admin::error_response(400, "timeout: expected a duration such as 5s");
  std::size_t got = hs.front()->wait_for_transactions(*count, *timeout);
  return admin::json_response(got >= *count ? 200 : 408, "{\"transactions\":" + std::to_string(got) + "}");
}

Response dns_fault(const ControlTargets& t, const Request& r) {
  if (!t.dns) return admin::error_response(404, "no fake DNS in this run");
  auto fault = parse_dns_fault(param(r, "fault", "none"));
  if (!fault) return admin::error_response(400, "unknown fault '" + param(r, "fault") + "'");
  auto times = number(param(r, "times", "0"));
  if (!times || *times > 1000000)
    return admin::error_response(400, "times: expected a whole number, got '" + param(r, "times") + "'");
  auto delay = config::yaml::parse_duration(param(r, "delay", "0ms"));
  if (!delay) return admin::error_response(400, "delay: expected a duration such as 500ms, got '" + param(r, "delay") + "'");
  DnsFaultSpec spec{*fault, static_cast<int>(*times), *delay};
  const std::string name = param(r, "name");
  if (name.empty()) return admin::error_response(400, "name: required");
  t.dns->set_fault(name, spec);
  return admin::json_response(200, "{}");
}

// Every query the fake DNS answered (or chose not to), oldest first.
Response dns_queries(const ControlTargets& t) {
  if (!t.dns) return admin::error_response(404, "no fake DNS in this run");
  boost::json::array a;
  for (const auto& q : t.dns->query_log())
    a.push_back(boost::json::object{{"name", q.name}, {"type", q.type}, {"protocol", to_string(q.protocol)}});
  return admin::json_response(200, boost::json::serialize(boost::json::object{{"queries", std::move(a)}}));
}

Response dns_record(const ControlTargets& t, const Request& r) {
  if (!t.dns) return admin::error_response(404, "no fake DNS in this run");
  if (r.method == Method::Delete) {
    t.dns->remove_records(param(r, "name"));
    return admin::json_response(200, "{}");
  }
  DnsRecord rec{param(r, "name"), param(r, "type"), 300, param(r, "data")};
  if (Status s = t.dns->add_record(rec); !s) return admin::error_response(400, s.error);
  return admin::json_response(200, "{}");
}

}  // namespace

admin::Router make_control_router(const ControlTargets& t) {
  admin::Router router;
  const std::string base = "/api/fakemx/v1";
  router.add(Method::Get, base + "/hosts", [t](const Request&) { return hosts(t); });
  router.add(Method::Get, base + "/recording", [t](const Request& r) { return recording(t, r); });
  router.add(Method::Put, base + "/rules", [t](const Request& r) { return put_rules(t, r); });
  router.add(Method::Put, base + "/behaviour", [t](const Request& r) { return put_behaviour(t, r); });
  router.add(Method::Post, base + "/reset", [t](const Request& r) { return reset(t, r); });
  router.add(Method::Get, base + "/wait", [t](const Request& r) { return wait(t, r); });
  router.add(Method::Put, base + "/dns/fault", [t](const Request& r) { return dns_fault(t, r); });
  router.add(Method::Get, base + "/dns/queries", [t](const Request&) { return dns_queries(t); });
  router.add(Method::Post, base + "/dns/record", [t](const Request& r) { return dns_record(t, r); });
  router.add(Method::Delete, base + "/dns/record", [t](const Request& r) { return dns_record(t, r); });
  return router;
}

}  // namespace mxlab::fakemx
