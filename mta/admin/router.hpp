// The admin API's routing table: (method, path) -> handler, a pure Request -> Response function.
// Handler families register their rows (handlers_*.cpp); routes.cpp lists the families.
// Unknown path -> 404, known path with another method -> 405 with Allow, bad target -> 400.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "mta/admin/http_message.hpp"

namespace mxlab::admin {

class AdminBackend;
using Handler = std::function<Response(const Request&)>;
// For handlers that wait for blocking work (spool reads): `reply` is called exactly once, on
// the io thread.
using Reply = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, Reply reply)>;

class Router {
 public:
  void add(Method method, std::string path, Handler handler);
  void add_async(Method method, std::string path, AsyncHandler handler);
  // Parses the target into path and query, then dispatches. Never throws: a throwing handler
  // is a bug, reported as 500 rather than taking the server down.
  // The asynchronous form answers through `reply`; sync handlers reply before it returns.
  void handle_async(Request request, Reply reply) const;
  // Synchronous form for sync routes (tests); an async route that has not answered yet gets 500.
  Response handle(Request request) const;
  std::size_t size() const { return routes_.size(); }

 private:
  struct Route {
    Method method;
    std::string path;
    AsyncHandler handler;
  };
  std::vector<Route> routes_;
};

// Handler families; each adds its rows. A new family adds a file and one line in routes.cpp.
void add_health_routes(Router& router, AdminBackend& backend);
void add_metrics_routes(Router& router, AdminBackend& backend);
void add_rule_routes(Router& router, AdminBackend& backend);     // bounce, suspend
void add_queue_routes(Router& router, AdminBackend& backend);    // inspect-*, show-queue, schedule, remove
void add_control_routes(Router& router, AdminBackend& backend);  // pause, resume, status, show-stats
void add_trace_routes(Router& router, AdminBackend& backend);    // trace-smtp-* without an Upgrade
void add_inject_routes(Router& router, AdminBackend& backend);   // POST /api/inject/v1
void add_log_routes(Router& router, AdminBackend& backend);      // delivery log query
void add_session_routes(Router& router, AdminBackend& backend);  // sessions, session-stats, clear-stats, session-log
void add_qshape_routes(Router& router, AdminBackend& backend);   // qshape
void add_log_filter_routes(Router& router, AdminBackend& backend);  // set_diagnostic_log_filter
void add_egress_routes(Router& router, AdminBackend& backend);      // resolve-egress-path

// The full admin table for a backend.
Router make_admin_router(AdminBackend& backend);

}  // namespace mxlab::admin
