// The trace WebSocket session (see trace_socket.hpp). Two coroutines share the stream: `pump`
// writes buffered events and sleeps on a timer the hub cancels when events arrive; `listen`
// reads client frames (a "summary" request, or the close). The hub never waits for this
// session: a client that reads slowly fills its own bounded buffer and loses events, counted.
#include "mta/admin/trace_socket.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "mta/trace/trace_event_json.hpp"

namespace mxlab::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;
using WebSocket = websocket::stream<beast::tcp_stream&>;

namespace {

constexpr auto kAs = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kRequestTimeout{10};
constexpr std::size_t kMaxCapacity = 1 << 20;

struct TraceRequest {
  trace::SubscribeOptions options;
  bool terse = false;
};

Expected<TraceRequest> parse_request(trace::Direction d, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return unexpected(std::string("the first frame must be a JSON object (the filter request)"));
  const auto& o = v.get_object();
  auto filter = trace::TraceFilter::from_request(d, o);
  if (!filter) return unexpected(filter.error());
  TraceRequest r;
  r.options.direction = d;
  r.options.filter = std::move(*filter);
  if (auto* t = o.if_contains("terse"); t && !t->is_null()) {
    if (!t->is_bool()) return unexpected(std::string("'terse' must be true or false"));
    r.terse = t->get_bool();
  }
  if (auto* c = o.if_contains("capacity"); c && !c->is_null()) {
    if (!c->is_int64() || c->get_int64() < 1 || static_cast<std::size_t>(c->get_int64()) > kMaxCapacity) {
      return unexpected("'capacity' must be an integer from 1 to " + std::to_string(kMaxCapacity));
    }
    r.options.capacity = static_cast<std::size_t>(c->get_int64());
  }
  if (auto* n = o.if_contains("name"); n && n->is_string()) r.options.name = std::string(n->get_string());
  return r;
}

// One coroutine writes (pump), one reads (listen, spawned): a WebSocket allows one of each at a
// time, and neither is ever cancelled mid-operation (a cancelled Beast operation breaks the
// stream). They meet through flags and the `wake` timer, all on the connection's strand.
struct Session {
  WebSocket& ws;
  std::shared_ptr<trace::TraceSubscription> sub;
  bool terse;
  std::shared_ptr<asio::steady_timer> wake;  // the hub's ready callback cancels it
  bool summary_requested = false;
  bool listen_done = false;

  asio::awaitable<void> sleep() {
    wake->expires_at(asio::steady_timer::time_point::max());
    co_await wake->async_wait(kAs);
  }

  // Writes events as they come, until the client asks for the summary or goes away, or the
  // subscription is closed by the hub. False when a write failed.
  asio::awaitable<bool> pump() {
    for (;;) {
      while (!summary_requested) {
        auto e = sub->try_next();
        if (!e) break;
        std::string text = trace::event_text(*e, terse);
        auto buffer = asio::buffer(text);
        auto [ec, n] = co_await ws.async_write(buffer, kAs);
        if (ec) co_return false;
      }
      if (summary_requested || listen_done || sub->closed()) co_return true;
      co_await sleep();
    }
  }

  // Reads client frames until a "summary" request, the close, or an error.
  asio::awaitable<void> listen() {
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws.async_read(buffer, kAs);
      if (ec) break;
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (text == "summary" || text == "\"summary\"") {
        summary_requested = true;
        break;
      }
    }
    listen_done = true;
    wake->cancel();
  }
};

asio::awaitable<void> send_error_and_close(WebSocket& ws, const std::string& why) {
  std::string text = json::serialize(json::object{{"error", why}});
  auto buffer = asio::buffer(text);
  co_await ws.async_write(buffer, kAs);
  websocket::close_reason reason(websocket::close_code::policy_error);
  co_await ws.async_close(reason, kAs);
}

}  // namespace

std::optional<trace::Direction> trace_direction(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == kTraceClientPath) return trace::Direction::Client;
  if (path == kTraceServerPath) return trace::Direction::Server;
  return std::nullopt;
}

asio::awaitable<void> serve_trace_socket(beast::tcp_stream& stream, const beast::http::request<beast::http::string_body>& req,
                                         trace::TraceHub& hub, trace::Direction direction) {
  stream.expires_never();  // the WebSocket's own timeouts take over (pings on an idle stream)
  WebSocket ws(stream);
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  auto [aec] = co_await ws.async_accept(req, kAs);
  if (aec) co_return;

  beast::flat_buffer first;
  asio::steady_timer request_deadline(ws.get_executor(), kRequestTimeout);
  auto got = co_await (ws.async_read(first, kAs) || request_deadline.async_wait(kAs));
  if (got.index() == 1) {
    const std::string why = "no filter request within " + std::to_string(kRequestTimeout.count()) + " s";
    co_await send_error_and_close(ws, why);
    co_return;
  }
  if (auto [rec, n] = std::get<0>(got); rec) co_return;
  auto request = parse_request(direction, beast::buffers_to_string(first.data()));
  if (!request) {
    const std::string why = request.error();
    co_await send_error_and_close(ws, why);
    co_return;
  }

  auto executor = ws.get_executor();
  auto wake = std::make_shared<asio::steady_timer>(executor);
  Session session{ws, hub.subscribe(std::move(request->options)), request->terse, wake};
  session.sub->on_ready([executor, wake] { asio::post(executor, [wake] { wake->cancel(); }); });
  asio::co_spawn(executor, session.listen(), asio::detached);
  bool writable = co_await session.pump();
  session.sub->close();  // counts are final: what is still buffered counts as dropped
  if (writable && (session.summary_requested || !session.listen_done)) {
    std::string summary = json::serialize(json::object{{"summary", session.sub->counts().to_json()}});
    auto buffer = asio::buffer(summary);
    auto [wec, wn] = co_await ws.async_write(buffer, kAs);
    if (!wec && session.summary_requested) {
      websocket::close_reason reason(websocket::close_code::normal);
      co_await ws.async_close(reason, kAs);
    }
  }
  // The reader must be finished before `ws` goes: a pending read ends when the socket closes.
  if (!session.listen_done) {
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
  while (!session.listen_done) co_await session.sleep();
}

}  // namespace mxlab::admin
