// Shared subcommand helpers (see command_util.hpp).
#include "kcli/command_util.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

namespace mxlab::kcli {

namespace json = boost::json;

int fail(std::string_view message) {
  std::cerr << "kcli: " << message << "\n";
  return 1;
}

int with_client(const KcliContext& ctx, const std::function<int(const ApiClient&)>& body) {
  auto client = ApiClient::create(ctx.endpoint);
  if (!client) return fail(client.error().message);
  client->set_token(ctx.token);
  return body(*client);
}

std::string encode_query(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string text_of(const json::value& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto* v = object.as_object().if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_of(const json::value& object, std::string_view key) {
  if (!object.is_object()) return 0;
  auto* v = object.as_object().if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return 0;
}

void add_selector_flags(CLI::App& sub, SelectorArgs& a, bool routing_domain) {
  auto* d = sub.add_option("--domain", a.domain, "The domain name to match");
  auto* c = sub.add_option("--campaign", a.campaign, "The campaign name to match");
  auto* t = sub.add_option("--tenant", a.tenant, "The tenant name to match");
  std::vector<CLI::Option*> fields{d, c, t};
  if (routing_domain) fields.push_back(sub.add_option("--routing-domain", a.routing_domain, "The routing domain to match"));
  auto* q = sub.add_option("--queue", a.queues, "Scheduled queue names to match (repeatable)");
  for (auto* f : fields) q->excludes(f);
  auto* e = sub.add_flag("--everything", a.everything, "Match every queued message");
  for (auto* f : fields) e->excludes(f);
  e->excludes(q);
}

std::optional<std::string> selector_body(const SelectorArgs& a, json::object& body) {
  if (!a.domain.empty()) body["domain"] = a.domain;
  if (!a.routing_domain.empty()) body["routing_domain"] = a.routing_domain;
  if (!a.campaign.empty()) body["campaign"] = a.campaign;
  if (!a.tenant.empty()) body["tenant"] = a.tenant;
  if (!a.queues.empty()) {
    json::array names;
    for (const auto& q : a.queues) names.emplace_back(q);
    body["queue_names"] = std::move(names);
  }
  if (a.everything) body["everything"] = true;
  if (body.empty()) return "no selector: give --domain, --campaign, --tenant, --queue or --everything";
  return std::nullopt;
}

std::string criteria_text(const json::value& rule) {
  if (rule.is_object()) {
    if (auto* e = rule.as_object().if_contains("everything"); e && e->is_bool() && e->as_bool()) return "everything";
  }
  std::string out;
  for (const char* key : {"domain", "routing_domain", "campaign", "tenant", "name"}) {
    auto v = text_of(rule, key);
    if (v.empty()) continue;
    if (!out.empty()) out += ' ';
    out += std::string(key) + "=" + v;
  }
  if (rule.is_object()) {
    if (auto* q = rule.as_object().if_contains("queue_names"); q && q->is_array()) {
      for (const auto& n : q->as_array()) {
        if (!n.is_string()) continue;
        if (!out.empty()) out += ' ';
        out += "queue=" + std::string(n.as_string());
      }
    }
  }
  return out;
}

}  // namespace mxlab::kcli
