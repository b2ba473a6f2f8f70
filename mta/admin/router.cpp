// Request-target parsing (RFC 9112 section 3.2.1 origin-form) and dispatch over the route table,
// plus the JSON error shape shared by every handler.
#include "mta/admin/router.hpp"

#include "mta/admin/admin_json.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <exception>
#include <optional>

namespace mxlab::admin {

std::string_view to_string(Method m) {
  switch (m) {
    case Method::Get: return "GET";
    case Method::Head: return "HEAD";
    case Method::Post: return "POST";
    case Method::Put: return "PUT";
    case Method::Delete: return "DELETE";
    case Method::Other: break;
  }
  return "OTHER";
}

Method method_from_string(std::string_view verb) {
  for (Method m : {Method::Get, Method::Head, Method::Post, Method::Put, Method::Delete}) {
    if (verb == to_string(m)) return m;
  }
  return Method::Other;
}

std::string_view status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 426: return "Upgrade Required";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
  }
  return "Error";
}

Response json_response(int status, std::string body) { return Response{status, "application/json", std::move(body), {}}; }

Response text_response(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), std::move(body), {}};
}

Response error_response(int status, std::string_view reason) {
  boost::json::object o;
  o["error"] = status_text(status);
  o["reason"] = valid_utf8(reason);  // reasons may quote the request (found by fuzzing)
  return json_response(status, boost::json::serialize(o));
}

namespace {
// Fills path and query from the origin-form target; false when it is not one.
bool parse_target(Request& r) {
  auto url = boost::urls::parse_origin_form(r.target);
  if (!url) return false;
  r.path = url->path();
  r.query.clear();
  for (auto param : url->params()) r.query[param.key] = param.has_value ? param.value : std::string();
  return true;
}

std::string allow_header(const std::vector<Method>& methods) {
  std::string out;
  for (Method m : methods) {
    if (!out.empty()) out += ", ";
    out += to_string(m);
  }
  return out;
}
}  // namespace

void Router::add(Method method, std::string path, Handler handler) {
  add_async(method, std::move(path), [h = std::move(handler)](const Request& r, Reply reply) { reply(h(r)); });
}

void Router::add_async(Method method, std::string path, AsyncHandler handler) {
  routes_.push_back(Route{method, std::move(path), std::move(handler)});
}

void Router::handle_async(Request request, Reply reply) const {
  if (!parse_target(request)) return reply(error_response(400, "bad request target '" + request.target + "'"));
  std::vector<Method> allowed;
  for (const auto& route : routes_) {
    if (route.path != request.path) continue;
    if (route.method != request.method) {
      allowed.push_back(route.method);
      continue;
    }
    try {
      route.handler(request, reply);
    } catch (const std::exception& e) {
      reply(error_response(500, std::string("handler failed: ") + e.what()));
    }
    return;
  }
  if (allowed.empty()) return reply(error_response(404, "no route for " + request.path));
  auto r = error_response(405, std::string(to_string(request.method)) + " is not allowed on " + request.path);
  r.headers.emplace_back("Allow", allow_header(allowed));
  reply(std::move(r));
}

Response Router::handle(Request request) const {
  std::optional<Response> out;
  handle_async(std::move(request), [&out](Response r) { out = std::move(r); });
  return out ? std::move(*out) : error_response(500, "asynchronous handler did not answer synchronously");
}

Router make_admin_router(AdminBackend& backend) {
  Router router;
  add_health_routes(router, backend);
  add_metrics_routes(router, backend);
  add_rule_routes(router, backend);
  add_queue_routes(router, backend);
  add_control_routes(router, backend);
  add_trace_routes(router, backend);
  add_inject_routes(router, backend);
  add_log_routes(router, backend);
  add_session_routes(router, backend);
  add_qshape_routes(router, backend);
  add_log_filter_routes(router, backend);
  add_egress_routes(router, backend);
  return router;
}

}  // namespace mxlab::admin
