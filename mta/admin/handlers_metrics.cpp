// Metrics endpoints: GET /metrics (Prometheus text exposition 0.0.4) and GET /metrics.json
// (KumoMTA's JSON shape, read by kcli queue-summary). Gauges are refreshed before each render.
#include "mta/admin/admin_server.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

void add_metrics_routes(Router& router, AdminBackend& backend) {
  router.add(Method::Get, "/metrics", [&backend](const Request&) {
    backend.refresh_metrics();
    return text_response(200, backend.metrics().prometheus_text(), std::string(kPrometheusContentType));
  });
  router.add(Method::Get, "/metrics.json", [&backend](const Request&) {
    backend.refresh_metrics();
    return json_response(200, backend.metrics().json_text());
  });
}

}  // namespace mxlab::admin
