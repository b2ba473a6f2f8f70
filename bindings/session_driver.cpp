// The step-by-step SMTP client (see session_driver.hpp). Each step starts one asynchronous
// operation on a private io_context and runs it for at most the timeout; an operation still
// pending then is cancelled and reported as Timeout.
#include "bindings/session_driver.hpp"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <optional>

#include "mta/protocol/dot_stuffing.hpp"

namespace mxlab::py_bind {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
using Kind = DriverError::Kind;

namespace {

DriverError fail(Kind k, std::string message) { return DriverError{k, std::move(message)}; }

std::optional<int> tls_version_number(const std::string& v) {
  if (v == "1.0") return TLS1_VERSION;
  if (v == "1.1") return TLS1_1_VERSION;
  if (v == "1.2") return TLS1_2_VERSION;
  if (v == "1.3") return TLS1_3_VERSION;
  return std::nullopt;
}

bool is_disconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated || ec == asio::error::connection_aborted;
}

}  // namespace

struct SessionDriver::Impl {
  explicit Impl(std::chrono::milliseconds t) : timeout(t) {}
  asio::io_context io;
  tcp::socket socket{io};
  std::unique_ptr<ssl::context> ssl_ctx;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;
  std::string inbuf;  // bytes read but not yet consumed as lines
  std::chrono::milliseconds timeout;
  bool eof = false;
  std::string peer;  // "host:port" for messages

  // Starts `start(handler)` and runs it for at most the timeout. False: it timed out (the
  // operation was cancelled and has completed with operation_aborted).
  template <class Start>
  bool run(Start start, error_code& ec, std::size_t& n) {
    bool done = false;
    start([&](error_code e, auto... rest) {
      ec = e;
      if constexpr (sizeof...(rest) == 1) n = static_cast<std::size_t>((rest, ...));
      done = true;
    });
    io.restart();
    io.run_for(timeout);
    if (done) return true;
    error_code ignored;
    socket.cancel(ignored);
    io.restart();
    io.run();  // lets the cancelled handler run
    return false;
  }

  DriverResult<bool> write(const std::string& bytes) {
    if (!socket.is_open()) return unexpected(fail(Kind::Usage, "not connected"));
    error_code ec;
    std::size_t n = 0;
    bool finished = run([&](auto h) {
      if (tls) asio::async_write(*tls, asio::buffer(bytes), h);
      else asio::async_write(socket, asio::buffer(bytes), h);
    }, ec, n);
    if (!finished) return unexpected(fail(Kind::Timeout, "timed out writing to " + peer));
    if (is_disconnect(ec)) return unexpected(fail(Kind::Disconnected, "connection to " + peer + " closed: " + ec.message()));
    if (ec) return unexpected(fail(Kind::Disconnected, "write to " + peer + ": " + ec.message()));
    return true;
  }

  // One line without its CRLF (a bare LF also ends a line).
  DriverResult<std::string> read_line() {
    if (!socket.is_open()) return unexpected(fail(Kind::Usage, "not connected"));
    for (;;) {
      auto nl = inbuf.find('\n');
      if (nl != std::string::npos) {
        std::string line = inbuf.substr(0, nl);
        inbuf.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (eof) return unexpected(fail(Kind::Disconnected, "connection closed by " + peer));
      char chunk[4096];
      error_code ec;
      std::size_t n = 0;
      bool finished = run([&](auto h) {
        if (tls) tls->async_read_some(asio::buffer(chunk), h);
        else socket.async_read_some(asio::buffer(chunk), h);
      }, ec, n);
      if (!finished) return unexpected(fail(Kind::Timeout, "no reply from " + peer + " within " +
                                                               std::to_string(timeout.count()) + " ms"));
      inbuf.append(chunk, n);
      if (is_disconnect(ec)) {
        eof = true;
        if (inbuf.find('\n') == std::string::npos)
          return unexpected(fail(Kind::Disconnected, "connection closed by " + peer +
                                                         (ec == asio::error::eof ? "" : ": " + ec.message())));
      } else if (ec) {
        return unexpected(fail(Kind::Disconnected, "read from " + peer + ": " + ec.message()));
      }
    }
  }

  DriverResult<smtp::Reply> read_reply() {
    smtp::ReplyParser parser;
    for (;;) {
      auto line = read_line();
      if (!line) return unexpected(line.error());
      auto state = parser.feed(*line);
      if (state == smtp::ReplyParser::State::Done) return parser.take();
      if (state == smtp::ReplyParser::State::Failed)
        return unexpected(fail(Kind::Protocol, "malformed reply from " + peer + ": " + parser.error() +
                                                   " in \"" + *line + "\""));
    }
  }

  DriverResult<bool> handshake(const TlsClientOptions& o, const std::string& host) {
    ssl_ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    error_code ec;
    const std::string name = o.server_name.empty() ? host : o.server_name;
    if (!o.min_version.empty()) {
      auto v = tls_version_number(o.min_version);
      if (!v) return unexpected(fail(Kind::Usage, "min_version: expected 1.0, 1.1, 1.2 or 1.3"));
      SSL_CTX_set_min_proto_version(ssl_ctx->native_handle(), *v);
    }
    if (o.verify) {
      ssl_ctx->set_verify_mode(ssl::verify_peer);
      if (o.ca_file.empty()) ssl_ctx->set_default_verify_paths(ec);
      else ssl_ctx->load_verify_file(o.ca_file, ec);
      if (ec) return unexpected(fail(Kind::Usage, "ca_file " + o.ca_file + ": " + ec.message()));
      ssl_ctx->set_verify_callback(ssl::host_name_verification(name));
    } else {
      ssl_ctx->set_verify_mode(ssl::verify_none);
    }
    tls = std::make_unique<ssl::stream<tcp::socket&>>(socket, *ssl_ctx);
    SSL_set_tlsext_host_name(tls->native_handle(), name.c_str());
    inbuf.clear();  // RFC 3207 5: nothing read before the handshake may count as TLS-protected
    std::size_t n = 0;
    bool finished = run([&](auto h) { tls->async_handshake(ssl::stream_base::client, h); }, ec, n);
    if (!finished) {
      tls.reset();
      return unexpected(fail(Kind::Tls, "TLS handshake with " + peer + " timed out"));
    }
    if (ec) {
      tls.reset();
      return unexpected(fail(Kind::Tls, "TLS handshake with " + peer + " failed: " + ec.message()));
    }
    return true;
  }
};

SessionDriver::SessionDriver(std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>(timeout)) {}
SessionDriver::~SessionDriver() { close(); }

DriverResult<smtp::Reply> SessionDriver::connect(const std::string& host, std::uint16_t port,
                                                 const std::string& source_address) {
  auto& i = *impl_;
  if (i.socket.is_open()) return unexpected(fail(Kind::Usage, "already connected to " + i.peer));
  i.peer = host + ":" + std::to_string(port);
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return unexpected(fail(Kind::Usage, "host must be an IP address, got \"" + host + "\""));
  tcp::endpoint target(address, port);
  i.socket.open(target.protocol(), ec);
  if (!ec && !source_address.empty()) {
    auto local = asio::ip::make_address(source_address, ec);
    if (!ec) i.socket.bind(tcp::endpoint(local, 0), ec);
  }
  if (ec) {
    i.socket.close(ec);
    return unexpected(fail(Kind::Connect, "cannot connect to " + i.peer + ": " + ec.message()));
  }
  std::size_t n = 0;
  bool finished = i.run([&](auto h) { i.socket.async_connect(target, h); }, ec, n);
  if (!finished || ec) {
    error_code ignored;
    i.socket.close(ignored);
    return unexpected(fail(Kind::Connect, "cannot connect to " + i.peer + ": " +
                                              (finished ? ec.message() : "timed out")));
  }
  i.eof = false;
  i.inbuf.clear();
  return i.read_reply();
}

DriverResult<smtp::Reply> SessionDriver::command(const std::string& line) {
  auto w = impl_->write(line + "\r\n");
  if (!w) return unexpected(w.error());
  return impl_->read_reply();
}

DriverResult<std::vector<smtp::Reply>> SessionDriver::pipeline(const std::vector<std::string>& lines) {
  std::string batch;
  for (const auto& l : lines) batch += l + "\r\n";
  auto w = impl_->write(batch);
  if (!w) return unexpected(w.error());
  std::vector<smtp::Reply> replies;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    auto r = impl_->read_reply();
    if (!r) {
      auto e = r.error();
      e.message += " (after " + std::to_string(k) + " of " + std::to_string(lines.size()) + " pipelined replies)";
      return unexpected(e);
    }
    replies.push_back(std::move(*r));
  }
  return replies;
}

DriverResult<bool> SessionDriver::send_raw(const std::string& bytes) { return impl_->write(bytes); }

DriverResult<smtp::Reply> SessionDriver::read_reply() { return impl_->read_reply(); }

DriverResult<smtp::Reply> SessionDriver::starttls(const TlsClientOptions& options) {
  if (impl_->tls) return unexpected(fail(Kind::Usage, "TLS is already active"));
  auto reply = command("STARTTLS");
  if (!reply || reply->code != 220) return reply;
  const std::string host = impl_->peer.substr(0, impl_->peer.rfind(':'));
  auto hs = impl_->handshake(options, host);
  if (!hs) return unexpected(hs.error());
  return reply;
}

DriverResult<smtp::Reply> SessionDriver::data(const std::string& message) {
  auto go = command("DATA");
  if (!go || go->code != 354) return go;
  auto w = impl_->write(smtp::dot_stuff(message));
  if (!w) return unexpected(w.error());
  return impl_->read_reply();
}

bool SessionDriver::peer_closed() const { return impl_->eof; }

void SessionDriver::close() {
  auto& i = *impl_;
  error_code ignored;
  i.tls.reset();
  if (i.socket.is_open()) {
    i.socket.shutdown(tcp::socket::shutdown_both, ignored);
    i.socket.close(ignored);
  }
  i.inbuf.clear();
}

bool SessionDriver::connected() const { return impl_->socket.is_open() && !impl_->eof; }
bool SessionDriver::tls_active() const { return impl_->tls != nullptr; }
std::string SessionDriver::tls_version() const {
  return impl_->tls ? SSL_get_version(impl_->tls->native_handle()) : "";
}
std::string SessionDriver::tls_cipher() const {
  return impl_->tls ? SSL_get_cipher_name(impl_->tls->native_handle()) : "";
}
std::chrono::milliseconds SessionDriver::timeout() const { return impl_->timeout; }
void SessionDriver::set_timeout(std::chrono::milliseconds t) { impl_->timeout = t; }

}  // namespace mxlab::py_bind
