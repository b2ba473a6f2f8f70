// Admin bounces, suspensions and ready-queue suspensions, KumoMTA's paths and fields: POST creates (400 on a bad
// selector), GET lists the active ones, DELETE {id} cancels (404 for an unknown id). Unlike
// KumoMTA, the bounce POST reply counts what was bounced before it returned.
#include <boost/json.hpp>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {
Response create(AdminBackend& b, const Request& req, queue::RuleKind kind) {
  auto body = parse_body(req);
  if (!body) return body.error();
  TimePoint now = b.now();
  auto rule = parse_rule(*body, kind, now);
  if (!rule) return error_response(400, rule.error());
  auto made = b.add_rule(std::move(*rule));
  if (!made) return error_response(made.error().status, made.error().reason);
  if (kind != queue::RuleKind::Bounce) return json_response(200, json::serialize(json::object{{"id", made->id}}));
  json::object o;
  o["id"] = made->id;
  json::object bounced;
  for (const auto& [q, n] : made->bounced) bounced[q] = n;
  o["bounced"] = std::move(bounced);
  o["total_bounced"] = made->total_bounced;
  o["in_flight"] = made->in_flight;
  return json_response(200, json::serialize(o));
}

Response list(AdminBackend& b, queue::RuleKind kind) {
  TimePoint now = b.now();
  json::array out;
  for (const auto& r : b.list_rules(kind)) out.push_back(rule_json(r, now));
  return json_response(200, json::serialize(out));
}

Response cancel(AdminBackend& b, const Request& req, queue::RuleKind kind) {
  auto body = parse_body(req);
  if (!body) return body.error();
  auto id = string_field(*body, "id");
  if (!id) return error_response(400, "id is required");
  if (!b.cancel_rule(kind, *id)) {
    return error_response(404, "no active " + std::string(queue::to_string(kind)) + " with id " + *id);
  }
  return json_response(200, json::serialize(json::object{{"id", *id}, {"cancelled", true}}));
}

Response rebind(AdminBackend& b, const Request& req) {
  auto body = parse_body(req);
  if (!body) return body.error();
  auto parsed = parse_rebind(*body);
  if (!parsed) return error_response(400, parsed.error());
  auto done = b.rebind(*parsed);
  if (!done) return error_response(done.error().status, done.error().reason);
  return json_response(200, json::serialize(json::object{
                                {"matched", done->matched}, {"moved", done->moved}, {"flushed", done->flushed}}));
}

void add_family(Router& router, AdminBackend& b, const std::string& path, queue::RuleKind kind) {
  router.add(Method::Post, path, [&b, kind](const Request& r) { return create(b, r, kind); });
  router.add(Method::Get, path, [&b, kind](const Request&) { return list(b, kind); });
  router.add(Method::Delete, path, [&b, kind](const Request& r) { return cancel(b, r, kind); });
}
}  // namespace

void add_rule_routes(Router& router, AdminBackend& backend) {
  add_family(router, backend, "/api/admin/bounce/v1", queue::RuleKind::Bounce);
  add_family(router, backend, "/api/admin/suspend/v1", queue::RuleKind::Suspend);
  add_family(router, backend, "/api/admin/suspend-ready-q/v1", queue::RuleKind::SuspendReady);
  router.add(Method::Post, "/api/admin/rebind/v1", [&backend](const Request& r) { return rebind(backend, r); });
}

}  // namespace mxlab::admin
