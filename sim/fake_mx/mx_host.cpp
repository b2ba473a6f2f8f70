// A fake MX host (see mx_host.hpp): the shared SMTP server engine with a RulePolicy and a
// handler that records each transaction and answers 250 (or what the rules say).
#include "sim/fake_mx/mx_host.hpp"

#include <boost/asio.hpp>
#include <condition_variable>
#include <future>
#include <thread>

namespace mxlab::fakemx {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kSessionDrain{2000};  // stop(): wait this long for open sessions
}  // namespace

struct MxHost::Impl final : server::MessageHandler {
  explicit Impl(MxHostConfig c) : config(std::move(c)) { policy.set_rules(config.rules); }

  MxHostConfig config;
  RulePolicy policy;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<server::SmtpServer> server;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<RecordedTransaction> recorded;
  std::atomic<std::uint64_t> transaction_count{0};

  void on_message(const server::SessionInfo& session, server::Transaction tx,
                  std::function<void(smtp::Reply)> done) override {
    RecordedTransaction r{config.name, session.peer_address, session.helo, tx.mail_from, tx.rcpt_to,
                          std::move(tx.data), SystemClock::instance().now()};
    std::string id = std::to_string(++transaction_count);
    {
      std::lock_guard lock(mu);
      recorded.push_back(std::move(r));
    }
    cv.notify_all();
    done(smtp::make_reply(250, "2.0.0", "Ok: queued as " + config.name + "-" + id));
  }
};

MxHost::MxHost(MxHostConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

MxHost::~MxHost() { stop(); }

Status MxHost::start() {
  auto& i = *impl_;
  if (i.server) return Status::failure("already started");
  auto options = i.config.server;
  if (options.hostname == "localhost") options.hostname = i.config.name;
  i.server = std::make_unique<server::SmtpServer>(i.io, options, i, &i.policy);
  if (auto st = i.server->listen(i.config.address, i.config.port); !st) {
    i.server.reset();
    return st;
  }
  i.config.port = i.server->port();
  i.io.restart();  // after a stop(), run() would return at once
  i.work.emplace(i.io.get_executor());
  i.thread = std::thread([&io = i.io] { io.run(); });
  return Status::success();
}

void MxHost::stop() {
  auto& i = *impl_;
  if (!i.thread.joinable()) return;
  // SmtpServer::stop() posts the close of the acceptor; a marker posted after it runs once the
  // close has run (one thread, FIFO), so the port is free when stop() returns.
  i.server->stop();
  std::promise<void> closed;
  asio::post(i.io, [&closed] { closed.set_value(); });
  closed.get_future().wait();
  // Let open sessions send their 421 and close (bounded: a session may sit in a scripted
  // delay). Stopping the io_context first would leave their sockets open, and the clients
  // waiting, until this host is destroyed.
  auto deadline = std::chrono::steady_clock::now() + kSessionDrain;
  while (i.server->active_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  i.work.reset();
  i.io.stop();
  i.thread.join();
  i.server.reset();
}

const MxHostConfig& MxHost::config() const { return impl_->config; }
std::uint16_t MxHost::port() const { return impl_->config.port; }
RulePolicy& MxHost::policy() { return impl_->policy; }
std::uint64_t MxHost::connections() const { return impl_->server ? impl_->server->accepted_sessions() : 0; }

std::vector<RecordedTransaction> MxHost::transactions() const {
  std::lock_guard lock(impl_->mu);
  return impl_->recorded;
}

std::size_t MxHost::wait_for_transactions(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->recorded.size() >= n; });
  return impl_->recorded.size();
}

}  // namespace mxlab::fakemx
