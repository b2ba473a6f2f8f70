// ESMTP listener: accepts connections and runs each as one coroutine through its phases: plain
// (Session<tcp::socket>), then TLS after STARTTLS (RFC 3207), or TLS from the start on an
// implicit-TLS listener (RFC 8314 3.3). Every wait, the TLS handshake included, has a deadline.
// Coroutine arguments are named locals, never temporaries (GCC 12 co_await temporaries bug).
#include "mta/server/smtp_server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "mta/common/ids.hpp"
#include "mta/server/session.hpp"
#include "mta/server/tls_context_impl.hpp"

namespace mxlab::server {

using namespace detail;
using SslStream = asio::ssl::stream<tcp::socket&>;
using namespace asio::experimental::awaitable_operators;  // the handshake and shutdown deadlines

namespace {

// The peer comes from the accept; the local end is the listener's own address unless it listens
// on a wildcard address (then one getsockname per connection).
SessionInfo describe(tcp::socket& socket, const tcp::endpoint& remote, const tcp::endpoint& listening) {
  SessionInfo info;
  tcp::endpoint local = listening;
  if (listening.address().is_unspecified()) {
    boost::system::error_code ec;
    local = socket.local_endpoint(ec);
  }
  info.session_id = format_envelope_id(make_envelope_id(random_u32(), random_u32()));
  info.peer_address = remote.address().to_string();
  info.peer_port = remote.port();
  info.local_address = local.address().to_string();
  info.local_port = local.port();
  return info;
}

void note_tls(SslStream& stream, SessionInfo& info) {
  SSL* ssl = stream.native_handle();
  info.tls = true;
  info.tls_version = SSL_get_version(ssl);
  info.tls_cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
  if (X509* peer = SSL_get0_peer_certificate(ssl)) {
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
    info.tls_peer_subject = buf;
  }
}

// TlsFault::AbortHandshake: take the ClientHello, then hang up before answering it.
awaitable<void> abort_handshake(Connection& conn) {
  char buf[4096];
  asio::steady_timer timer(conn.socket.get_executor());
  timer.expires_after(conn.server.options.handshake_timeout);
  auto buffer = asio::buffer(buf);
  co_await (conn.socket.async_read_some(buffer, asio::as_tuple(use_awaitable)) ||
            timer.async_wait(asio::as_tuple(use_awaitable)));
  conn.emit(trace::EventKind::Diagnostic, "TLS handshake aborted (fault)");
}

awaitable<bool> handshake(Connection& conn, SslStream& stream) {
  asio::steady_timer timer(stream.get_executor());
  timer.expires_after(conn.server.options.handshake_timeout);
  auto result = co_await (stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(use_awaitable)));
  if (result.index() == 1) {
    conn.emit(trace::EventKind::Diagnostic, "TLS handshake timed out");
    co_return false;
  }
  if (auto [ec] = std::get<0>(result); ec) {
    conn.emit(trace::EventKind::Diagnostic, "TLS handshake failed: " + ec.message());
    conn.row.note("TLS handshake failed: " + ec.message());
    co_return false;
  }
  note_tls(stream, conn.info);
  conn.row.set_tls(conn.info.tls_version);
  if (conn.tracing()) {
    std::string peer = conn.info.tls_peer_subject.empty() ? "no client certificate" : conn.info.tls_peer_subject;
    conn.emit(trace::EventKind::Diagnostic, "TLS established: " + conn.info.tls_version + " " + conn.info.tls_cipher + ", " + peer);
  }
  co_return true;
}

// close_notify, bounded: a peer that never answers it must not hold the session.
awaitable<void> tls_shutdown(Connection& conn, SslStream& stream) {
  asio::steady_timer timer(stream.get_executor());
  timer.expires_after(std::min(conn.server.options.handshake_timeout, std::chrono::milliseconds(1000)));
  co_await (stream.async_shutdown(asio::as_tuple(use_awaitable)) || timer.async_wait(asio::as_tuple(use_awaitable)));
}

// The TLS phase: handshake, then a fresh session (RFC 3207 4.2: nothing from before carries over
// except the connection facts; greet only on an implicit-TLS listener).
awaitable<void> tls_phase(Connection& conn, bool greet) {
  const ServerOptions& options = conn.server.options;
  if (options.tls_fault == TlsFault::AbortHandshake) {
    co_await abort_handshake(conn);
    co_return;
  }
  SslStream stream(conn.socket, options.tls->ctx);
  bool ok = co_await handshake(conn, stream);
  if (!ok && greet) conn.row.count(SessionCounter::ConnectionsFailed);  // implicit TLS: never greeted
  if (!ok) co_return;
  conn.info.helo.clear();
  conn.info.esmtp = false;
  conn.info.authenticated = false;
  conn.info.auth_user.clear();
  Session<SslStream> session(conn, stream);
  co_await session.run(greet);
  if (!conn.reset) co_await tls_shutdown(conn, stream);
}

awaitable<void> run_connection(Connection& conn) {
  if (conn.server.options.tls && conn.server.options.implicit_tls) {
    co_await tls_phase(conn, true);
    co_return;
  }
  Session<tcp::socket> plain(conn, conn.socket);
  PhaseEnd end = co_await plain.run(true);
  if (end == PhaseEnd::StartTls) co_await tls_phase(conn, false);
}

}  // namespace

awaitable<void> SmtpServer::Impl::session(std::shared_ptr<tcp::socket> socket, tcp::endpoint peer) {
  // Detached sessions can outlive the SmtpServer (and a restarted io_context can resume them):
  // each keeps its Impl alive, as accept_loop does.
  auto self = shared_from_this();
  {
    std::lock_guard lock(mu);
    sockets.insert(socket);
  }
  ++active;
  Connection conn{*this, *socket, describe(*socket, peer, listening)};
  if (options.session_timeout.count() > 0) conn.deadline = std::chrono::steady_clock::now() + options.session_timeout;
  {
    std::lock_guard lock(mu);
    conn.same_ip = ++per_ip[conn.info.peer_address];
  }
  if (options.sessions) {
    const auto& i = conn.info;
    conn.row = options.sessions->open(SessionDirection::Inbound, i.session_id,
                                      i.local_address + ":" + std::to_string(i.local_port),
                                      i.peer_address + ":" + std::to_string(i.peer_port), "WAITHELO");
  }
  try {
    co_await run_connection(conn);
  } catch (const std::exception&) {
    // I/O errors end the session; nothing was acknowledged that is not already handled.
  }
  conn.emit(trace::EventKind::Closed, {});
  if (policy) policy->session_closed(conn.info);
  boost::system::error_code ec;
  // close() ends the connection with a FIN after what is still queued (no shutdown() first: the
  // socket is not shared, so it would only cost a system call); with SO_LINGER 0 it sends a RST.
  if (conn.reset) socket->set_option(asio::socket_base::linger(true, 0), ec);
  socket->close(ec);
  --active;
  std::lock_guard lock(mu);
  sockets.erase(socket);
  if (--per_ip[conn.info.peer_address] == 0) per_ip.erase(conn.info.peer_address);
}

awaitable<void> SmtpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    tcp::endpoint peer;
    auto [ec, sock] = co_await acceptor.async_accept(peer, asio::as_tuple(use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) break;
      continue;  // e.g. EMFILE: keep listening
    }
    ++accepted;
    sock.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(io, session(std::make_shared<tcp::socket>(std::move(sock)), peer), asio::detached);
  }
}

SmtpServer::SmtpServer(asio::io_context& io, ServerOptions options, MessageHandler& handler, SessionPolicy* policy,
                       trace::TraceSink* trace)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler, policy, trace)) {}

SmtpServer::~SmtpServer() { stop(); }

Status SmtpServer::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Status::failure("bad listen address '" + address + "': " + ec.message());
  tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->listening = impl_->acceptor.local_endpoint(ec);
  if (ec) {
    impl_->acceptor.close();
    return Status::failure("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return Status::success();
}

std::uint16_t SmtpServer::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::size_t SmtpServer::active_sessions() const { return impl_->active; }
std::uint64_t SmtpServer::accepted_sessions() const { return impl_->accepted; }

void SmtpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  auto impl = impl_;
  // Close on the io thread: sockets are not thread-safe.
  asio::post(impl->io, [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    std::lock_guard lock(impl->mu);
    for (auto& s : impl->sockets) s->cancel(ec);
  });
}

}  // namespace mxlab::server
