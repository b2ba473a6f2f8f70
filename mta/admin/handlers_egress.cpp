// GET /api/admin/resolve-egress-path/v1?domain=D: where mail for D would go, resolved now as a
// delivery would (MX plan by preference, implicit MX, null MX), with the site and the ready
// queue name it would be delivered through. DNS failures are part of the answer (`failure`).
#include <boost/json.hpp>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

void add_egress_routes(Router& router, AdminBackend& b) {
  router.add_async(Method::Get, "/api/admin/resolve-egress-path/v1", [&b](const Request& req, Reply reply) {
    auto it = req.query.find("domain");
    if (it == req.query.end() || it->second.empty()) return reply(error_response(400, "domain is required"));
    b.resolve_egress_path(it->second, [reply](AdminResult<EgressPath> path) {
      if (!path) return reply(error_response(path.error().status, path.error().reason));
      json::object o;
      o["domain"] = path->domain;
      o["site"] = path->site;
      o["ready_queue_name"] = path->ready_queue;
      json::array hosts;
      for (const auto& h : path->hosts) {
        json::array addresses;
        for (const auto& a : h.addresses) addresses.emplace_back(a);
        json::object host;
        host["host"] = h.host;
        host["preference"] = h.preference;
        host["addresses"] = std::move(addresses);
        hosts.push_back(std::move(host));
      }
      o["hosts"] = std::move(hosts);
      o["failure"] = path->failure.empty() ? json::value(nullptr) : json::value(path->failure);
      reply(json_response(200, json::serialize(o)));
    });
  });
}

}  // namespace mxlab::admin
