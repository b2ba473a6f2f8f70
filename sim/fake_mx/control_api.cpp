// The control API's HTTP server: synchronous Beast, one short-lived thread per request (a
// `wait` request blocks only its own thread). Each connection serves one request and closes;
// reads have a deadline (SO_RCVTIMEO) so an idle client cannot hold stop() up for long.
#include "sim/fake_mx/control_api.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "mta/admin/access.hpp"

namespace mxlab::fakemx {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {
constexpr int kReadTimeoutSeconds = 5;
constexpr std::size_t kBodyLimit = 1 << 20;
}  // namespace

struct ControlApi::Impl {
  explicit Impl(ControlTargets t) : router(make_control_router(t)) {}
  admin::Router router;
  admin::AccessRules access;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::shared_ptr<tcp::socket>> open;
  std::atomic<bool> stopping{false};

  void serve(std::shared_ptr<tcp::socket> socket) {
    boost::system::error_code ec;
    timeval tv{kReadTimeoutSeconds, 0};
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    http::read(*socket, buffer, parser, ec);
    if (!ec) {
      auto& req = parser.get();
      admin::Request r;
      r.method = admin::method_from_string(std::string(req.method_string()));
      r.target = std::string(req.target());
      r.body = req.body();
      r.peer = socket->remote_endpoint(ec).address().to_string();
      auto refusal = admin::check_access(access, r.peer, req[http::field::authorization]);
      if (refusal) {
        spdlog::warn("control: refused {} {} from {}: {} {}", std::string_view(req.method_string()), r.target, r.peer,
                     refusal->status, refusal->body);
      }
      admin::Response resp = refusal ? std::move(*refusal) : router.handle(std::move(r));
      http::response<http::string_body> out{static_cast<http::status>(resp.status), 11};
      out.set(http::field::content_type, resp.content_type);
      out.set(http::field::connection, "close");
      for (const auto& [k, v] : resp.headers) out.set(k, v);
      out.body() = std::move(resp.body);
      out.prepare_payload();
      http::write(*socket, out, ec);
    }
    socket->shutdown(tcp::socket::shutdown_both, ec);
    socket->close(ec);
    std::lock_guard lock(mu);
    open.erase(socket);
    cv.notify_all();
  }

  void accept_loop() {
    while (!stopping) {
      auto socket = std::make_shared<tcp::socket>(io);
      boost::system::error_code ec;
      acceptor.accept(*socket, ec);
      if (ec) {
        if (stopping) break;
        continue;
      }
      std::lock_guard lock(mu);
      open.insert(socket);
      std::thread([this, socket] { serve(socket); }).detach();
    }
  }
};

ControlApi::ControlApi(ControlTargets targets) : impl_(std::make_unique<Impl>(std::move(targets))) {}

ControlApi::~ControlApi() { stop(); }

Status ControlApi::start(const std::string& address, std::uint16_t port, const ControlAccess& access) {
  auto trusted = CidrSet::parse(access.trusted_hosts);
  if (!trusted) return Status::failure("control API trusted hosts: " + trusted.error());
  impl_->access = {std::move(*trusted), access.token};
  auto exposure = admin::check_exposure(address, access.token, access.allow_unauthenticated, "control API");
  if (!exposure) return exposure;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Status::failure("bad control address '" + address + "'");
  tcp::endpoint ep(addr, port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::failure("control API on " + address + ":" + std::to_string(port) + ": " + ec.message());
  impl_->accept_thread = std::thread([i = impl_.get()] { i->accept_loop(); });
  return Status::success();
}

void ControlApi::stop() {
  auto& i = *impl_;
  if (!i.accept_thread.joinable()) return;
  i.stopping = true;
  boost::system::error_code ec;
  i.acceptor.cancel(ec);
  ::shutdown(i.acceptor.native_handle(), SHUT_RDWR);  // wakes the blocking accept()
  i.accept_thread.join();
  i.acceptor.close(ec);
  std::unique_lock lock(i.mu);
  for (auto& s : i.open) ::shutdown(s->native_handle(), SHUT_RDWR);
  // Request threads end once their socket is shut down; a `wait` ends at its own deadline.
  i.cv.wait_for(lock, std::chrono::seconds(15), [&] { return i.open.empty(); });
}

std::uint16_t ControlApi::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace mxlab::fakemx
