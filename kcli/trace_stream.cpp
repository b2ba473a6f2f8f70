// The trace WebSocket client (see trace_stream.hpp). One io_context, one coroutine reading
// frames; the summary request is written while that read is pending (a WebSocket allows one
// read and one write at a time), from the read loop itself or from the signal handler.
#include "kcli/trace_stream.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <optional>

namespace mxlab::kcli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAs = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kSummaryDeadline{10};

struct TraceClient {
  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer summary_deadline;
  bool streaming = false;  // the filter request is out: a summary request may be written
  bool summary_sent = false;
  std::optional<json::value> summary;
  std::optional<std::string> error;

  explicit TraceClient(asio::io_context& io) : ws(io), summary_deadline(io) {}

  void request_summary() {
    if (!streaming) {  // interrupted while connecting: nothing to summarise
      beast::get_lowest_layer(ws).close();
      return;
    }
    if (summary_sent) return;
    summary_sent = true;
    ws.async_write(asio::buffer(std::string_view("summary")), [](beast::error_code, std::size_t) {});
    // A server that never answers must not hold kcli: give up on the summary after a while.
    summary_deadline.expires_after(kSummaryDeadline);
    summary_deadline.async_wait([this](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(ws).close();
    });
  }

  asio::awaitable<void> run(const ApiClient& c, std::string path, std::string request,
                            const std::function<bool(const json::value&)>& on_event) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, results] = co_await resolver.async_resolve(c.host(), c.port(), kAs);
    if (rec) {
      error = "resolve " + c.host() + ": " + rec.message();
      co_return;
    }
    auto& tcp_stream = beast::get_lowest_layer(ws);
    tcp_stream.expires_after(ApiClient::kDefaultTimeout);
    if (!c.token().empty()) {
      ws.set_option(websocket::stream_base::decorator([token = c.token()](websocket::request_type& r) {
        r.set(beast::http::field::authorization, "Bearer " + token);
      }));
    }
    auto [cec, ep] = co_await tcp_stream.async_connect(results, kAs);
    if (!cec) {
      auto [hec] = co_await ws.async_handshake(c.host_header(), path, kAs);
      cec = hec;
    }
    if (cec) {
      error = "connect: " + cec.message();
      co_return;
    }
    tcp_stream.expires_never();
    auto first = asio::buffer(request);
    auto [wec, wn] = co_await ws.async_write(first, kAs);
    if (wec) {
      error = "send the filter request: " + wec.message();
      co_return;
    }
    streaming = true;
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws.async_read(buffer, kAs);
      if (ec) break;  // the close after the summary, or the server went away
      boost::system::error_code pec;
      json::value v = json::parse(beast::buffers_to_string(buffer.data()), pec);
      buffer.consume(buffer.size());
      if (pec || !v.is_object()) continue;
      if (auto* s = v.as_object().if_contains("summary")) {
        summary = *s;
        summary_deadline.cancel();
        continue;
      }
      if (auto* e = v.as_object().if_contains("error"); e && e->is_string()) {
        error = std::string(e->as_string());
        break;
      }
      if (!summary_sent && !on_event(v)) request_summary();
    }
    summary_deadline.cancel();
  }
};

}  // namespace

ApiResult<json::value> stream_trace(const ApiClient& client, std::string_view path, const json::object& request,
                                    const std::function<bool(const json::value&)>& on_event) {
  std::string what = "trace " + client.endpoint() + std::string(path);
  asio::io_context io;
  TraceClient tc(io);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code ec, int) {
    if (!ec) tc.request_summary();
  });
  bool done = false;
  asio::co_spawn(io, tc.run(client, std::string(path), json::serialize(request), on_event),
                 [&](std::exception_ptr e) {
                   done = true;
                   if (e && !tc.error) tc.error = "internal error";
                   signals.cancel();
                 });
  io.run();
  if (tc.error) return unexpected(ApiError{what + ": " + *tc.error});
  if (!tc.summary) return unexpected(ApiError{what + ": the server closed the stream without a summary"});
  return *tc.summary;
}

}  // namespace mxlab::kcli
