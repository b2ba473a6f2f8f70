// FakeDns sockets: one UDP loop and one TCP acceptor on the same port (RFC 1035 section 4.2;
// TCP messages carry a two-octet length prefix, RFC 7766 section 8), coroutines on one io_context
// thread. Each TCP wait has an idle deadline; stop() abandons all coroutines with the io_context.
#include "sim/fake_mx/dns/fake_dns.hpp"

#include <array>
#include <deque>
#include <memory>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <thread>

namespace mxlab::fakemx {
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kTcpIdle{10};  // RFC 7766 section 6.2.3: servers close idle connections
constexpr int kBindAttempts = 20;

using IoResult = std::tuple<boost::system::error_code, std::size_t>;

// Runs `op` against a deadline; true only when it completed without error in time. Callers
// pass a named awaitable and test a named result (GCC 12 miscompiles temporaries inside a
// co_await expression and co_await inside a condition).
asio::awaitable<bool> within(asio::steady_timer& timer, asio::awaitable<IoResult>& op) {
  timer.expires_after(kTcpIdle);
  auto result = co_await (std::move(op) || timer.async_wait(kUseTuple));
  co_return result.index() == 0 && !std::get<0>(std::get<0>(result));
}

// One TCP client. Queries are answered as they come (RFC 7766 section 6.2.1.1: a server should
// process pipelined queries concurrently), so a delayed name does not hold up the answers behind
// it; answers leave in the order they are ready, one write at a time.
struct TcpClient : std::enable_shared_from_this<TcpClient> {
  explicit TcpClient(tcp::socket s) : socket(std::move(s)), write_timer(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer write_timer;
  std::deque<std::vector<std::uint8_t>> outbox;  // framed answers (length prefix included)
  bool writing = false;

  void send(const std::vector<std::uint8_t>& reply) {
    std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(reply.size() >> 8), static_cast<std::uint8_t>(reply.size())};
    framed.insert(framed.end(), reply.begin(), reply.end());
    outbox.push_back(std::move(framed));
    if (!writing) asio::co_spawn(socket.get_executor(), drain(shared_from_this()), asio::detached);
    writing = true;
  }

  static asio::awaitable<void> drain(std::shared_ptr<TcpClient> self) {
    while (!self->outbox.empty()) {
      auto framed = std::move(self->outbox.front());
      self->outbox.pop_front();
      auto write_answer = asio::async_write(self->socket, asio::buffer(framed), kUseTuple);
      bool ok = co_await within(self->write_timer, write_answer);
      if (!ok) {  // a client that stops reading: drop it
        boost::system::error_code ignored;
        self->socket.close(ignored);
        self->outbox.clear();
      }
    }
    self->writing = false;
  }

  static asio::awaitable<void> send_later(std::shared_ptr<TcpClient> self, std::vector<std::uint8_t> reply,
                                          std::chrono::milliseconds delay) {
    asio::steady_timer hold(self->socket.get_executor(), delay);
    co_await hold.async_wait(kUseTuple);
    if (self->socket.is_open()) self->send(reply);
  }
};

asio::awaitable<void> serve_tcp_connection(DnsResponder& responder, tcp::socket socket) {
  auto client = std::make_shared<TcpClient>(std::move(socket));
  asio::steady_timer timer(client->socket.get_executor());
  std::vector<std::uint8_t> message;
  for (;;) {
    std::array<std::uint8_t, 2> prefix{};
    auto read_prefix = asio::async_read(client->socket, asio::buffer(prefix), kUseTuple);
    bool ok = co_await within(timer, read_prefix);
    if (!ok) break;
    message.resize(std::size_t{prefix[0]} << 8 | prefix[1]);
    if (message.empty()) break;
    auto read_message = asio::async_read(client->socket, asio::buffer(message), kUseTuple);
    ok = co_await within(timer, read_message);
    if (!ok) break;
    std::chrono::milliseconds delay{0};
    auto reply = responder.respond(message, DnsProtocol::Tcp, &delay);
    if (!reply) continue;  // Timeout fault: keep the connection, never answer
    if (delay.count() > 0) {
      asio::co_spawn(client->socket.get_executor(), TcpClient::send_later(client, std::move(*reply), delay),
                     asio::detached);
    } else {
      client->send(*reply);
    }
  }
  // The client closed or idled out; answers still being delayed or written finish on their own
  // (they hold the connection), then it closes.
}

asio::awaitable<void> serve_tcp(DnsResponder& responder, tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), serve_tcp_connection(responder, std::move(socket)), asio::detached);
  }
}

// A delayed UDP answer goes out from its own coroutine so other queries are not held up.
asio::awaitable<void> send_later(udp::socket& socket, std::vector<std::uint8_t> reply, udp::endpoint peer,
                                 std::chrono::milliseconds delay) {
  asio::steady_timer hold(socket.get_executor(), delay);
  co_await hold.async_wait(kUseTuple);
  if (socket.is_open()) co_await socket.async_send_to(asio::buffer(reply), peer, kUseTuple);
}

asio::awaitable<void> serve_udp(DnsResponder& responder, udp::socket& socket) {
  std::vector<std::uint8_t> buffer(65535);
  udp::endpoint peer;
  for (;;) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), peer, kUseTuple);
    if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
    if (ec) continue;  // e.g. ICMP port unreachable from an earlier reply
    std::chrono::milliseconds delay{0};
    auto reply = responder.respond(std::span(buffer.data(), n), DnsProtocol::Udp, &delay);
    if (reply && delay.count() > 0) {
      asio::co_spawn(socket.get_executor(), send_later(socket, std::move(*reply), peer, delay), asio::detached);
    } else if (reply) {
      co_await socket.async_send_to(asio::buffer(*reply), peer, kUseTuple);
    }
  }
}

}  // namespace

struct FakeDns::Impl {
  asio::io_context io;  // first member: destroyed last, after the sockets its handlers refer to
  udp::socket udp_socket{io};
  tcp::acceptor acceptor{io};
  std::thread thread;

  Expected<std::uint16_t> bind(const asio::ip::address& address, std::uint16_t port);
  Status bind_tcp(const asio::ip::address& address, std::uint16_t port, boost::system::error_code& ec);
};

Status FakeDns::Impl::bind_tcp(const asio::ip::address& address, std::uint16_t port, boost::system::error_code& ec) {
  acceptor.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind({address, port}, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  boost::system::error_code ignored;
  if (ec) acceptor.close(ignored);
  return ec ? Status::failure("tcp " + address.to_string() + ":" + std::to_string(port) + ": " + ec.message())
            : Status::success();
}

// UDP first; with an ephemeral port, TCP then takes the same number, retrying if it is taken.
Expected<std::uint16_t> FakeDns::Impl::bind(const asio::ip::address& address, std::uint16_t port) {
  Status last;
  for (int attempt = 0; attempt < kBindAttempts; ++attempt) {
    boost::system::error_code ec;
    udp_socket.open(address.is_v6() ? udp::v6() : udp::v4(), ec);
    if (!ec) udp_socket.bind({address, port}, ec);
    boost::system::error_code ignored;
    if (ec) {
      udp_socket.close(ignored);
      return unexpected("udp " + address.to_string() + ":" + std::to_string(port) + ": " + ec.message());
    }
    const std::uint16_t bound = udp_socket.local_endpoint().port();
    last = bind_tcp(address, bound, ec);
    if (last) return bound;
    udp_socket.close(ignored);
    if (port != 0 || ec != asio::error::address_in_use) break;
  }
  return unexpected(last.error);
}

FakeDns::FakeDns(FakeDnsOptions options) : options_(std::move(options)) {}

FakeDns::~FakeDns() { stop(); }

Status FakeDns::start() {
  if (impl_) return Status::failure("fake DNS already started");
  responder_.set_options(options_.server);
  for (const auto& [name, spec] : options_.faults) responder_.set_fault(name, spec);
  options_.faults.clear();
  if (!options_.records.empty()) {
    for (const auto& r : options_.records)
      if (Status s = responder_.add_record(r); !s) return s;
    options_.records.clear();  // now owned by the responder; a restart keeps runtime changes
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return Status::failure("bad fake DNS address \"" + options_.address + "\": " + ec.message());
  auto impl = std::make_unique<Impl>();
  auto bound = impl->bind(address, options_.port);
  if (!bound) return Status::failure(bound.error());
  port_ = *bound;
  asio::co_spawn(impl->io, serve_udp(responder_, impl->udp_socket), asio::detached);
  asio::co_spawn(impl->io, serve_tcp(responder_, impl->acceptor), asio::detached);
  impl->thread = std::thread([io = &impl->io] { io->run(); });
  impl_ = std::move(impl);
  return Status::success();
}

void FakeDns::stop() {
  if (!impl_) return;
  impl_->io.stop();
  impl_->thread.join();
  impl_.reset();  // closes the sockets, then destroys the suspended coroutines
}

std::uint16_t FakeDns::port() const { return port_; }
const std::string& FakeDns::address() const { return options_.address; }

std::string FakeDns::nameserver() const {
  const bool v6 = options_.address.find(':') != std::string::npos;
  return (v6 ? "[" + options_.address + "]" : options_.address) + ":" + std::to_string(port_);
}

Status FakeDns::add_record(const DnsRecord& record) { return responder_.add_record(record); }
void FakeDns::remove_records(std::string_view name) { responder_.remove_records(name); }
void FakeDns::set_fault(std::string_view name, DnsFault fault) { responder_.set_fault(name, fault); }
void FakeDns::set_fault(std::string_view name, const DnsFaultSpec& spec) { responder_.set_fault(name, spec); }
void FakeDns::set_options(const DnsServerOptions& options) { responder_.set_options(options); }
void FakeDns::clear() { responder_.clear(); }
std::uint64_t FakeDns::query_count(DnsProtocol protocol) const { return responder_.query_count(protocol); }
std::vector<DnsQueryLogEntry> FakeDns::query_log() const { return responder_.query_log(); }
void FakeDns::clear_query_log() { responder_.clear_query_log(); }

}  // namespace mxlab::fakemx
