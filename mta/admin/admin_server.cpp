// The admin API's HTTP/1.1 transport: an accept loop and one coroutine per connection, both on
// the io_context given by the MTA. Each connection owns its stream; every read and write has a
// deadline; bodies are capped. Access (trusted_hosts, then the token) is checked before routing,
// and every refusal is logged.
#include "mta/admin/admin_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <map>
#include <mutex>

#include "mta/admin/access.hpp"
#include "mta/admin/router.hpp"
#include "mta/admin/trace_socket.hpp"
#include "mta/common/cidr.hpp"

namespace mxlab::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
struct Timeouts {
  std::chrono::seconds read{30};   // idle keep-alive and slow request heads alike
  std::chrono::seconds write{30};
};
constexpr std::size_t kMaxBodyBytes = 1024 * 1024;  // admin requests are small JSON documents
constexpr auto kAs = asio::as_tuple(asio::use_awaitable);
}  // namespace

// Shared with the coroutines so they can outlive the AdminServer object safely.
struct State {
  State(asio::io_context& io, config::AdminConfig c, AdminBackend& b)
      : io(io), config(std::move(c)), router(make_admin_router(b)), backend(b), acceptor(asio::make_strand(io)) {}
  asio::io_context& io;
  config::AdminConfig config;
  Router router;
  AccessRules access;
  AdminBackend& backend;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  Timeouts timeouts;

  std::mutex mu;  // guards the fields below; coroutines and stop() may run on different threads
  bool stopping = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::shared_ptr<beast::tcp_stream>> connections;
};

struct AdminServer::Impl {
  std::shared_ptr<State> state;
};

namespace {

Request to_request(const http::request<http::string_body>& in, const std::string& peer) {
  Request r;
  r.method = method_from_string(std::string_view(in.method_string()));
  r.target = std::string(in.target());
  r.content_type = std::string(in[http::field::content_type]);
  r.body = in.body();
  r.peer = peer;
  return r;
}

http::response<http::string_body> to_beast(const Response& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(r.status), version};
  out.set(http::field::server, "mxlab-admin");
  out.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) out.set(name, value);
  out.keep_alive(keep_alive);
  out.body() = r.body;
  out.prepare_payload();
  return out;
}

// Answers one request; handlers may finish later (spool reads), so the reply is awaited. The
// completion is posted to the connection's strand.
asio::awaitable<Response> respond(State& st, const http::request<http::string_body>& in, const std::string& peer_ip,
                                  const std::string& peer) {
  if (auto refusal = check_access(st.access, peer_ip, in[http::field::authorization])) {
    spdlog::warn("admin: refused {} {} from {}: {} {}", std::string_view(in.method_string()),
                 std::string_view(in.target()), peer, refusal->status, refusal->body);
    co_return std::move(*refusal);
  }
  auto executor = co_await asio::this_coro::executor;
  Request request = to_request(in, peer);
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        st.router.handle_async(std::move(request), [shared, executor](Response r) {
          asio::post(executor, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        });
      },
      asio::use_awaitable);
}

// Maps a failed read to the reply owed to the client, if any: socket errors, timeouts and a
// peer closing between requests get none; a malformed request gets 400, an oversized body 413.
std::optional<Response> read_error_reply(beast::error_code ec) {
  if (ec == http::error::body_limit) return error_response(413, "request body exceeds the admin API limit");
  if (ec.category() != http::make_error_code(http::error::bad_target).category()) return std::nullopt;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  return error_response(400, "malformed HTTP request: " + ec.message());
}

asio::awaitable<void> write_reply(State& st, beast::tcp_stream& stream, const Response& r, unsigned version,
                                  bool keep_alive) {
  auto out = to_beast(r, version, keep_alive);
  stream.expires_after(st.timeouts.write);
  co_await http::async_write(stream, out, kAs);
}

asio::awaitable<void> serve_connection(std::shared_ptr<State> st, std::shared_ptr<beast::tcp_stream> stream,
                                       std::uint64_t id) {
  beast::error_code ignored;
  auto remote = stream->socket().remote_endpoint(ignored);
  std::string peer_ip = remote.address().to_string();
  std::string peer = peer_ip + ":" + std::to_string(remote.port());
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    stream->expires_after(st->timeouts.read);
    auto [ec, n] = co_await http::async_read(*stream, buffer, parser, kAs);
    if (ec) {
      if (auto reply = read_error_reply(ec)) co_await write_reply(*st, *stream, *reply, 11, false);
      break;
    }
    const auto& req = parser.get();
    auto traced = trace_direction(std::string_view(req.target()));
    // A refused upgrade falls through to respond(), which answers the refusal (403/401).
    if (traced && beast::websocket::is_upgrade(req) && st->backend.trace_hub() &&
        !check_access(st->access, peer_ip, req[http::field::authorization])) {
      const auto upgrade = parser.release();  // named locals (GCC 12 co_await temporaries)
      const trace::Direction direction = *traced;
      co_await serve_trace_socket(*stream, upgrade, *st->backend.trace_hub(), direction);
      break;  // the connection was the WebSocket's
    }
    bool keep_alive = req.keep_alive();
    const Response reply = co_await respond(*st, req, peer_ip, peer);  // named args (GCC 12 co_await temporaries)
    const unsigned version = req.version();
    co_await write_reply(*st, *stream, reply, version, keep_alive);
    if (!keep_alive) break;
  }
  stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  std::lock_guard lock(st->mu);
  st->connections.erase(id);
}

// Registers the connection so stop() can close it; false when the server is stopping.
bool track(State& st, const std::shared_ptr<beast::tcp_stream>& stream, std::uint64_t& id) {
  std::lock_guard lock(st.mu);
  if (st.stopping) return false;
  id = st.next_id++;
  st.connections.emplace(id, stream);
  return true;
}

asio::awaitable<void> accept_loop(std::shared_ptr<State> st) {
  for (;;) {
    const auto strand = asio::make_strand(st->io);  // a named local (GCC 12 co_await temporaries)
    auto [ec, socket] = co_await st->acceptor.async_accept(strand, kAs);
    if (ec == asio::error::operation_aborted || !st->acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("admin: accept failed: {}", ec.message());
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    std::uint64_t id = 0;
    if (!track(*st, stream, id)) co_return;
    auto executor = stream->get_executor();
    asio::co_spawn(executor, serve_connection(st, stream, id), asio::detached);
  }
}

Status open_acceptor(State& st) {
  beast::error_code ec;
  auto address = asio::ip::make_address(st.config.address, ec);
  if (ec) return Status::failure("admin: bad listen address '" + st.config.address + "'");
  tcp::endpoint endpoint(address, st.config.port);
  std::string where = st.config.address + ":" + std::to_string(st.config.port);
  if (st.acceptor.open(endpoint.protocol(), ec); ec) return Status::failure("admin: open " + where + ": " + ec.message());
  st.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (st.acceptor.bind(endpoint, ec); ec) return Status::failure("admin: bind " + where + ": " + ec.message());
  if (st.acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::failure("admin: listen " + where + ": " + ec.message());
  }
  st.port = st.acceptor.local_endpoint().port();
  return Status::success();
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, config::AdminConfig config, AdminBackend& backend)
    : impl_(std::make_unique<Impl>(Impl{std::make_shared<State>(io, std::move(config), backend)})) {}

AdminServer::~AdminServer() { stop(); }

Status AdminServer::start() {
  State& st = *impl_->state;
  auto trusted = CidrSet::parse(st.config.trusted_hosts);
  if (!trusted) return Status::failure("admin: trusted_hosts: " + trusted.error());
  st.access = {std::move(*trusted), st.config.token};
  auto exposure = check_exposure(st.config.address, st.config.token, st.config.allow_unauthenticated, "admin");
  if (!exposure) return exposure;
  if (auto s = open_acceptor(st); !s) return s;
  spdlog::info("admin: http listener on {}:{}", st.config.address, st.port);
  asio::co_spawn(st.acceptor.get_executor(), accept_loop(impl_->state), asio::detached);
  return Status::success();
}

std::uint16_t AdminServer::port() const { return impl_->state->port; }

void AdminServer::stop() {
  auto st = impl_->state;
  std::map<std::uint64_t, std::shared_ptr<beast::tcp_stream>> open;
  {
    std::lock_guard lock(st->mu);
    if (st->stopping) return;
    st->stopping = true;
    open = st->connections;
  }
  // Each close runs on the owner's strand: sockets are not safe to touch from other threads.
  asio::dispatch(st->acceptor.get_executor(), [st] {
    beast::error_code ignored;
    st->acceptor.close(ignored);
  });
  for (auto& [id, stream] : open) {
    asio::dispatch(stream->get_executor(), [stream] {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
    });
  }
}

}  // namespace mxlab::admin
