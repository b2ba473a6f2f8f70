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

class Router {
 public:
  void add(Method method, std::string path, Handler handler);
  // Parses the target into path and query, then dispatches. Never throws: a throwing handler
  // is a bug, reported as 500 rather than taking the server down.
  Response handle(Request request) const;
  std::size_t size() const { return routes_.size(); }

 private:
  struct Route {
    Method method;
    std::string path;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Handler families; each adds its rows. A new family adds a file and one line in routes.cpp.
void add_health_routes(Router& router, AdminBackend& backend);
void add_metrics_routes(Router& router, AdminBackend& backend);

// The full admin table for a backend.
Router make_admin_router(AdminBackend& backend);

}  // namespace mxlab::admin
