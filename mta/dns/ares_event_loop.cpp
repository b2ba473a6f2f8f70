// c-ares channel thread: init with per-try timeout and tries, custom nameservers with ports
// (ares_set_servers_ports_csv), then poll() over ares sockets + eventfd until shutdown.
// Shutdown order: stop taking work, ares_cancel (callbacks fire here), ares_destroy, join.
#include "mta/dns/ares_event_loop.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mxlab::dns {
namespace {

Status library_init() {
  static const int rc = ares_library_init(ARES_LIB_INIT_ALL);  // once, thread-safe static init
  if (rc != ARES_SUCCESS) return Status::failure(std::string("ares_library_init: ") + ares_strerror(rc));
  return Status::success();
}

std::string join_csv(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Expected<std::unique_ptr<AresEventLoop>> AresEventLoop::create(const AresOptions& options) {
  if (Status s = library_init(); !s) return unexpected(s.error);
  std::unique_ptr<AresEventLoop> loop(new AresEventLoop());
  if (Status s = loop->init(options); !s) return unexpected(s.error);
  try {
    loop->thread_ = std::thread([raw = loop.get()] { raw->run(); });
  } catch (const std::system_error& e) {
    return unexpected(std::string("cannot start resolver thread: ") + e.what());
  }
  return loop;
}

Status AresEventLoop::init(const AresOptions& options) {
  ares_options opts{};
  opts.timeout = static_cast<int>(options.timeout.count());
  opts.tries = options.attempts < 1 ? 1 : options.attempts;
  opts.sock_state_cb = &AresEventLoop::on_socket_state;
  opts.sock_state_cb_data = this;
  // c-ares 1.18 discards SERVFAIL / REFUSED answers and, once out of servers, reports them as
  // ECONNREFUSED. Passing them through lets ares_query map the RCODE to ESERVFAIL / EREFUSED;
  // the price is no failover to the next nameserver on those RCODEs (timeouts still fail over).
  opts.flags = ARES_FLAG_NOCHECKRESP;
  const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  if (int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS) {
    channel_ = nullptr;
    return Status::failure(std::string("ares_init_options: ") + ares_strerror(rc));
  }
  if (!options.nameservers.empty()) {
    const std::string csv = join_csv(options.nameservers);
    if (int rc = ares_set_servers_ports_csv(channel_, csv.c_str()); rc != ARES_SUCCESS)
      return Status::failure("bad nameservers \"" + csv + "\": " + ares_strerror(rc));
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::failure(std::string("eventfd: ") + std::strerror(errno));
  return Status::success();
}

AresEventLoop::~AresEventLoop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    wake();
    thread_.join();
  } else if (channel_ != nullptr) {
    ares_destroy(channel_);  // init failed before the thread started
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void AresEventLoop::query(std::string name, int type, QueryDone done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      submitted_.push_back({std::move(name), type, std::move(done)});
      wake();
      return;
    }
  }
  done(ARES_ECANCELLED, nullptr, 0);
}

void AresEventLoop::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);  // EAGAIN: already signalled
}

void AresEventLoop::run() {
  while (!start_submitted()) poll_once();
  ares_cancel(channel_);   // pending callbacks run now, with ARES_ECANCELLED
  ares_destroy(channel_);  // anything started by those callbacks gets ARES_EDESTRUCTION
  channel_ = nullptr;
}

bool AresEventLoop::start_submitted() {
  std::deque<Pending> batch;
  bool stop = false;
  {
    std::lock_guard lock(mu_);
    batch.swap(submitted_);
    stop = stopping_;
  }
  for (auto& p : batch) {
    if (stop) {
      p.done(ARES_ECANCELLED, nullptr, 0);
      continue;
    }
    auto* done = new QueryDone(std::move(p.done));  // owned by on_answer
    ares_query(channel_, p.name.c_str(), 1 /* class IN */, p.type, &AresEventLoop::on_answer, done);
  }
  return stop;
}

void AresEventLoop::poll_once() {
  std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
  for (const auto& [fd, want] : sockets_)
    fds.push_back({fd, static_cast<short>((want.read ? POLLIN : 0) | (want.write ? POLLOUT : 0)), 0});
  timeval tv{};
  const timeval* next = ares_timeout(channel_, nullptr, &tv);
  const int wait_ms = next ? static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000) : -1;
  if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) return;
  if (fds[0].revents & POLLIN) {
    std::uint64_t drained = 0;
    [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);
  }
  for (std::size_t i = 1; i < fds.size(); ++i) {
    const short ev = fds[i].revents;
    if (ev == 0) continue;
    const bool readable = ev & (POLLIN | POLLERR | POLLHUP);
    const bool writable = ev & (POLLOUT | POLLERR | POLLHUP);
    ares_process_fd(channel_, readable ? fds[i].fd : ARES_SOCKET_BAD, writable ? fds[i].fd : ARES_SOCKET_BAD);
  }
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // expire timed-out tries
}

void AresEventLoop::on_socket_state(void* self, ares_socket_t fd, int readable, int writable) {
  auto& sockets = static_cast<AresEventLoop*>(self)->sockets_;
  if (!readable && !writable) {
    sockets.erase(fd);
  } else {
    sockets[fd] = Interest{readable != 0, writable != 0};
  }
}

void AresEventLoop::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<QueryDone> done(static_cast<QueryDone*>(arg));
  (*done)(status, abuf, alen);
}

}  // namespace mxlab::dns
