// smtpctl's control surface: pause / resume of inbound SMTP ("smtp": new sessions get 421) and
// of delivery ("mta": no attempt starts), show status, and show stats as a flat key -> number
// object with smtpctl's key names.
#include <boost/json.hpp>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {
json::object status_json(const ServiceStatus& s) {
  json::object o;
  o["smtp"] = s.smtp_paused ? "paused" : "running";
  o["mta"] = s.mta_paused ? "paused" : "running";
  o["uptime"] = static_cast<std::int64_t>(s.uptime_seconds);
  return o;
}

json::object stats_json(const ServiceStatus& s) {
  const auto& q = s.scheduler;
  json::object o;
  o["smtp.session"] = s.smtp_sessions_active;
  o["smtp.session.total"] = s.smtp_sessions_total;
  o["scheduler.delivery.ok"] = q.delivered;
  o["scheduler.delivery.tempfail"] = q.tempfail;
  o["scheduler.delivery.permfail"] = q.permfail;
  o["scheduler.envelope"] = q.envelopes;
  o["scheduler.envelope.incoming"] = q.incoming;
  o["scheduler.envelope.inflight"] = q.inflight;
  o["scheduler.spool.pending"] = q.spool_pending;
  o["scheduler.envelope.expired"] = q.expired;
  o["scheduler.envelope.removed"] = q.removed;
  o["scheduler.envelope.bounced.admin"] = q.admin_bounced;
  o["scheduler.message"] = q.messages;
  o["uptime"] = static_cast<std::int64_t>(s.uptime_seconds);
  return o;
}

// {service: "smtp" | "mta" | "all"} -> status, or {id: "all" | msgid | evpid} -> {paused|resumed: n}
Response pause(AdminBackend& b, const Request& req, bool paused) {
  auto body = parse_body(req);
  if (!body) return body.error();
  if (auto id = string_field(*body, "id")) {
    auto n = b.pause_envelopes(*id, paused);
    if (!n) return error_response(n.error().status, n.error().reason);
    return json_response(200, json::serialize(json::object{{paused ? "paused" : "resumed", *n}}));
  }
  auto service = string_field(*body, "service");
  if (!service || (*service != "smtp" && *service != "mta" && *service != "all")) {
    return error_response(400, "give service (\"smtp\", \"mta\" or \"all\") or id (\"all\", a message or envelope id)");
  }
  auto st = b.set_paused(*service, paused);
  if (!st) return error_response(st.error().status, st.error().reason);
  return json_response(200, json::serialize(status_json(*st)));
}
}  // namespace

void add_control_routes(Router& router, AdminBackend& b) {
  router.add(Method::Post, "/api/admin/pause/v1", [&b](const Request& r) { return pause(b, r, true); });
  router.add(Method::Post, "/api/admin/resume/v1", [&b](const Request& r) { return pause(b, r, false); });
  router.add(Method::Get, "/api/admin/status/v1",
             [&b](const Request&) { return json_response(200, json::serialize(status_json(b.status()))); });
  router.add(Method::Get, "/api/admin/show-stats/v1",
             [&b](const Request&) { return json_response(200, json::serialize(stats_json(b.status()))); });
}

}  // namespace mxlab::admin
