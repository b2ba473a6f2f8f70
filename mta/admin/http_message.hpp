// The admin API's socket-free request and response values. The Beast session converts to and
// from these, so routing and handlers are plain functions that tests call without a network.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mxlab::admin {

enum class Method { Get, Head, Post, Put, Delete, Other };
std::string_view to_string(Method m);
Method method_from_string(std::string_view verb);

struct Request {
  Method method = Method::Get;
  std::string target;  // as received: "/api/admin/inspect-message/v1?id=..."
  std::string path;    // filled by the router from target, percent-decoded
  std::map<std::string, std::string, std::less<>> query;  // filled by the router
  std::string content_type;
  std::string body;
  std::string peer;  // remote address, for logs
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
};

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

Response json_response(int status, std::string body);
Response text_response(int status, std::string body, std::string content_type = "text/plain");
// Every admin error has this body: {"error": "<status text>", "reason": "<why>"}.
Response error_response(int status, std::string_view reason);
std::string_view status_text(int status);

}  // namespace mxlab::admin
