// Idle SMTP client connections kept for the next message to the same host (Postfix smtp_reuse,
// KumoMTA's per-ready-queue connections): a connection that completed a transaction is parked
// under its connection_key() until it is taken again, has been idle for `idle_timeout` (then it is
// QUIT), or has carried `max_deliveries` transactions. Used on one io thread only.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "mta/delivery/client_session.hpp"

namespace boost::asio {
class io_context;
}

namespace mxlab::delivery {

struct ConnectionCacheOptions {
  int max_deliveries = 1024;                   // transactions per connection (KumoMTA's default)
  std::chrono::milliseconds idle_timeout{60000};  // 0 = no reuse: QUIT after each transaction
  ClientTimeouts timeouts;                     // for the QUIT of an expired connection
};

class ConnectionCache {
 public:
  ConnectionCache(boost::asio::io_context& io, ConnectionCacheOptions options);
  ~ConnectionCache();
  ConnectionCache(const ConnectionCache&) = delete;
  ConnectionCache& operator=(const ConnectionCache&) = delete;

  // An idle connection for `key`, or null.
  ClientConnectionPtr take(const std::string& key);
  // Parks a connection after a transaction when it is reusable and under its delivery limit;
  // otherwise QUITs it in the background.
  void give_back(ClientConnectionPtr connection);
  // QUITs every idle connection (on stop); later give_back calls QUIT at once.
  void close_all();
  std::size_t idle() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mxlab::delivery
