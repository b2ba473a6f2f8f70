// The idle-connection cache (see connection_cache.hpp). Each parked connection has its own idle
// timer; taking the connection cancels it. QUITs run as detached coroutines that own the
// connection, so the cache never waits on a peer.
#include "mta/delivery/connection_cache.hpp"

#include <boost/asio.hpp>
#include <map>

namespace mxlab::delivery {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

struct Parked {
  Parked(asio::io_context& io, ClientConnectionPtr c) : connection(std::move(c)), timer(io) {}
  ClientConnectionPtr connection;
  asio::steady_timer timer;
};

awaitable<void> quit_later(std::shared_ptr<ClientConnection> connection, ClientTimeouts timeouts) {
  co_await quit_connection(*connection, timeouts);
}

}  // namespace

struct ConnectionCache::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, ConnectionCacheOptions options) : io(io), options(options) {}
  asio::io_context& io;
  ConnectionCacheOptions options;
  std::multimap<std::string, std::shared_ptr<Parked>> idle;
  bool closing = false;

  void quit(ClientConnectionPtr c) {
    std::shared_ptr<ClientConnection> owned(c.release(), ClientConnectionDeleter{});
    asio::co_spawn(io, quit_later(owned, options.timeouts), asio::detached);
  }

  // Waits out the idle timeout; if the connection is still parked then, it is removed and QUIT.
  awaitable<void> expire(std::shared_ptr<Parked> parked) {
    auto self = shared_from_this();
    co_await parked->timer.async_wait(asio::as_tuple(asio::use_awaitable));  // expired or cancelled
    if (!parked->connection) co_return;  // taken
    for (auto it = idle.begin(); it != idle.end(); ++it) {
      if (it->second == parked) {
        idle.erase(it);
        break;
      }
    }
    quit(std::move(parked->connection));
  }
};

ConnectionCache::ConnectionCache(asio::io_context& io, ConnectionCacheOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

ConnectionCache::~ConnectionCache() {
  for (auto& [key, parked] : impl_->idle) {
    parked->timer.cancel();
    parked->connection.reset();  // the socket closes with it
  }
  impl_->idle.clear();
}

ClientConnectionPtr ConnectionCache::take(const std::string& key) {
  auto it = impl_->idle.find(key);
  if (it == impl_->idle.end()) return nullptr;
  auto parked = it->second;
  impl_->idle.erase(it);
  ClientConnectionPtr c = std::move(parked->connection);
  parked->timer.cancel();
  return c;
}

void ConnectionCache::give_back(ClientConnectionPtr connection) {
  auto& i = *impl_;
  if (!connection) return;
  bool keep = !i.closing && i.options.idle_timeout.count() > 0 && reusable(*connection) &&
              transactions_carried(*connection) < i.options.max_deliveries;
  if (!keep) {
    i.quit(std::move(connection));
    return;
  }
  std::string key = connection_key(*connection);
  auto parked = std::make_shared<Parked>(i.io, std::move(connection));
  parked->timer.expires_after(i.options.idle_timeout);
  i.idle.emplace(std::move(key), parked);
  asio::co_spawn(i.io, i.expire(parked), asio::detached);
}

void ConnectionCache::close_all() {
  auto& i = *impl_;
  i.closing = true;
  for (auto& [key, parked] : i.idle) {
    parked->timer.cancel();
    i.quit(std::move(parked->connection));
  }
  i.idle.clear();
}

std::size_t ConnectionCache::idle() const { return impl_->idle.size(); }

}  // namespace mxlab::delivery
