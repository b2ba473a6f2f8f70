// The thread that owns a c-ares channel. c-ares 1.18 has no event thread of its own and a channel
// is not thread-safe, so every ares_* call happens here: a poll() loop over the channel's sockets
// (tracked by the socket-state callback) plus an eventfd that wakes it for newly submitted queries.
#pragma once
#include <ares.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mta/common/expected.hpp"
#include "mta/dns/resolver.hpp"

namespace mxlab::dns {

class AresEventLoop {
 public:
  // Called on the loop thread with the c-ares status and the raw answer (null when none).
  using QueryDone = std::function<void(int status, const unsigned char* abuf, int alen)>;

  static Expected<std::unique_ptr<AresEventLoop>> create(const AresOptions& options);
  // Cancels everything in flight (callbacks get ARES_ECANCELLED) and joins the thread.
  ~AresEventLoop();
  AresEventLoop(const AresEventLoop&) = delete;
  AresEventLoop& operator=(const AresEventLoop&) = delete;

  // Thread-safe. `type` is a DNS RR type number, class IN. Once shutdown has begun, `done` runs
  // at once with ARES_ECANCELLED.
  void query(std::string name, int type, QueryDone done);

 private:
  struct Pending {
    std::string name;
    int type;
    QueryDone done;
  };
  struct Interest {
    bool read = false, write = false;
  };

  AresEventLoop() = default;
  Status init(const AresOptions& options);
  void run();
  bool start_submitted();  // returns true once shutdown was requested
  void poll_once();
  void wake();
  static void on_socket_state(void* self, ares_socket_t fd, int readable, int writable);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

  ares_channel channel_ = nullptr;
  int wake_fd_ = -1;
  std::map<ares_socket_t, Interest> sockets_;  // loop thread only
  std::mutex mu_;
  std::deque<Pending> submitted_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::thread thread_;
};

}  // namespace mxlab::dns
