// ApiClient over Beast: a private io_context per request, one coroutine doing resolve, connect,
// write, read; each step under the tcp_stream deadline, and the whole exchange under run_for.
#include "kcli/api_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <optional>

namespace mxlab::kcli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAs = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxReplyBytes = 256ull * 1024 * 1024;  // metrics.json of a busy node

struct Outcome {
  std::optional<std::string> error;  // transport failure
  int status = 0;
  std::string reason_phrase;
  std::string body;
};

asio::awaitable<void> run_exchange(http::request<http::string_body> req, std::string host, std::string port,
                                   std::chrono::milliseconds timeout, Outcome& out) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(host, port, kAs);
  if (rec) {
    out.error = "resolve " + host + ": " + rec.message();
    co_return;
  }
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  auto [cec, ep] = co_await stream.async_connect(results, kAs);
  if (cec) {
    out.error = "connect " + host + ":" + port + ": " + cec.message();
    co_return;
  }
  auto [wec, wn] = co_await http::async_write(stream, req, kAs);
  if (wec) {
    out.error = "write: " + wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, kAs);
  if (ec) {
    out.error = "read reply: " + ec.message();
    co_return;
  }
  out.status = parser.get().result_int();
  out.reason_phrase = std::string(parser.get().reason());
  out.body = std::move(parser.get().body());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

// The "reason" of a JSON error body, else the start of the body text.
std::string reason_of(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (auto* r = v.as_object().if_contains("reason"); r && r->is_string()) return std::string(r->as_string());
    if (auto* e = v.as_object().if_contains("error"); e && e->is_string()) return std::string(e->as_string());
  }
  std::string text = body.substr(0, 200);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}
}  // namespace

ApiResult<ApiClient> ApiClient::create(std::string_view endpoint, std::chrono::milliseconds timeout) {
  auto url = boost::urls::parse_uri(endpoint);
  if (!url) return unexpected(ApiError{"bad endpoint '" + std::string(endpoint) + "': " + url.error().message()});
  if (url->scheme() != "http") {
    return unexpected(ApiError{"bad endpoint '" + std::string(endpoint) + "': only http:// is supported"});
  }
  ApiClient c;
  c.endpoint_ = std::string(endpoint);
  while (!c.endpoint_.empty() && c.endpoint_.back() == '/') c.endpoint_.pop_back();
  c.host_ = url->host_address();
  if (c.host_.empty()) return unexpected(ApiError{"bad endpoint '" + std::string(endpoint) + "': no host"});
  c.port_ = url->has_port() ? std::string(url->port()) : "80";
  c.host_header_ = std::string(url->encoded_host_and_port());
  c.timeout_ = timeout;
  return c;
}

ApiResult<ApiClient::Reply> ApiClient::exchange(std::string_view method, std::string_view path,
                                                std::string body) const {
  std::string what = std::string(method) + " " + endpoint_ + std::string(path);
  http::request<http::string_body> req{http::string_to_verb(method), std::string(path), 11};
  req.set(http::field::host, host_header_);
  req.set(http::field::user_agent, "kcli (mxlab)");
  req.set(http::field::accept, "application/json");
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();

  asio::io_context io;
  Outcome out;
  bool done = false;
  asio::co_spawn(io, run_exchange(std::move(req), host_, port_, timeout_, out), [&](std::exception_ptr e) {
    done = true;
    if (e) out.error = "internal error";
  });
  io.run_for(timeout_ + std::chrono::seconds(1));  // resolve is outside the stream deadline
  if (!done) return unexpected(ApiError{what + ": timed out after " + std::to_string(timeout_.count()) + " ms"});
  if (out.error) return unexpected(ApiError{what + ": " + *out.error});
  return Reply{out.status, std::move(out.reason_phrase), std::move(out.body)};
}

ApiResult<std::string> ApiClient::checked(std::string_view method, std::string_view path, std::string body) const {
  auto reply = exchange(method, path, std::move(body));
  if (!reply) return unexpected(reply.error());
  if (reply->status < 200 || reply->status > 299) {
    std::string msg = std::string(method) + " " + endpoint_ + std::string(path) + ": HTTP " +
                      std::to_string(reply->status) + " " + reply->reason_phrase;
    if (auto reason = reason_of(reply->body); !reason.empty()) msg += ": " + reason;
    return unexpected(ApiError{std::move(msg), reply->status});
  }
  return std::move(reply->body);
}

ApiResult<boost::json::value> ApiClient::json_call(std::string_view method, std::string_view path,
                                                   std::string body) const {
  auto text = checked(method, path, std::move(body));
  if (!text) return unexpected(text.error());
  if (text->empty()) return boost::json::value(nullptr);
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec) {
    return unexpected(ApiError{std::string(method) + " " + endpoint_ + std::string(path) +
                                   ": reply is not JSON: " + ec.message(), 200});
  }
  return v;
}

ApiResult<std::string> ApiClient::get(std::string_view path) const { return checked("GET", path, {}); }

ApiResult<boost::json::value> ApiClient::get_json(std::string_view path) const { return json_call("GET", path, {}); }

ApiResult<boost::json::value> ApiClient::post_json(std::string_view path, const boost::json::value& body) const {
  return json_call("POST", path, boost::json::serialize(body));
}

ApiResult<boost::json::value> ApiClient::delete_json(std::string_view path, const boost::json::value& body) const {
  return json_call("DELETE", path, boost::json::serialize(body));
}

}  // namespace mxlab::kcli
