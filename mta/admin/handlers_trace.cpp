// The trace endpoints over plain HTTP: they are WebSockets (trace_socket.cpp takes the upgrade
// before routing), so a plain GET learns that precisely instead of getting a 404.
#include "mta/admin/admin_backend.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

void add_trace_routes(Router& router, AdminBackend& backend) {
  for (const char* path : {"/api/admin/trace-smtp-client/v1", "/api/admin/trace-smtp-server/v1"}) {
    router.add(Method::Get, path, [&backend, path](const Request&) {
      if (!backend.trace_hub()) return error_response(501, "tracing is not available on this server");
      auto r = error_response(426, std::string(path) + " is a WebSocket: send an Upgrade request");
      r.headers.emplace_back("Upgrade", "websocket");
      return r;
    });
  }
}

}  // namespace mxlab::admin
