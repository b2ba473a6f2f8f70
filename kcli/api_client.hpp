// kcli's synchronous client for the admin API (KumoMTA-compatible paths). One request per call
// with a deadline (60 s, as KumoMTA's kcli); failures come back as values whose message names
// the method, the URL, the HTTP status and the server's JSON "reason".
#pragma once
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "mta/common/expected.hpp"

namespace mxlab::kcli {

struct ApiError {
  std::string message;  // "GET http://127.0.0.1:8000/x: HTTP 404 Not Found: no route for /x"
  int status = 0;       // HTTP status; 0 when no reply arrived (connect failure, timeout)
};

template <class T>
using ApiResult = Expected<T, ApiError>;

class ApiClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{60000};

  // endpoint: "http://host[:port][/...]"; only plain http is supported.
  static ApiResult<ApiClient> create(std::string_view endpoint,
                                     std::chrono::milliseconds timeout = kDefaultTimeout);

  // `path` is absolute ("/metrics.json"), replacing any path in the endpoint, as KumoMTA's kcli.
  ApiResult<std::string> get(std::string_view path) const;  // body of a 2xx reply
  ApiResult<boost::json::value> get_json(std::string_view path) const;
  ApiResult<boost::json::value> post_json(std::string_view path, const boost::json::value& body) const;
  ApiResult<boost::json::value> delete_json(std::string_view path, const boost::json::value& body) const;

  const std::string& endpoint() const { return endpoint_; }
  // Sent as "Authorization: Bearer <token>" with every request when not empty.
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& host() const { return host_; }
  const std::string& port() const { return port_; }
  const std::string& host_header() const { return host_header_; }
  const std::string& token() const { return token_; }

 private:
  struct Reply {
    int status = 0;
    std::string reason_phrase;
    std::string body;
  };
  ApiResult<Reply> exchange(std::string_view method, std::string_view path, std::string body) const;
  ApiResult<std::string> checked(std::string_view method, std::string_view path, std::string body) const;
  ApiResult<boost::json::value> json_call(std::string_view method, std::string_view path, std::string body) const;

  std::string endpoint_;  // as given, for messages
  std::string host_;      // without IPv6 brackets, for the resolver
  std::string port_;
  std::string host_header_;
  std::string token_;
  std::chrono::milliseconds timeout_{kDefaultTimeout};
};

}  // namespace mxlab::kcli
