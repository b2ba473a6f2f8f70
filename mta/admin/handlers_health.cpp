// Health endpoints. GET /api/check-liveness/v1 answers 200 with an empty body while the process
// serves HTTP at all, as KumoMTA does; load-based readiness can refine it later.
#include "mta/admin/admin_server.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

void add_health_routes(Router& router, AdminBackend& /*backend*/) {
  router.add(Method::Get, "/api/check-liveness/v1", [](const Request&) { return text_response(200, ""); });
}

}  // namespace mxlab::admin
