// A fake MX host (see mx_host.hpp): the shared SMTP server engine with a RulePolicy, a Recorder
// on its trace seam, and a handler that records each transaction and answers 250 (or what the
// rules say). A refusing host holds its port bound without listening, so connects get RST.
#include "sim/fake_mx/mx_host.hpp"

#include <boost/asio.hpp>
#include <condition_variable>
#include <fstream>
#include <future>
#include <thread>

namespace mxlab::fakemx {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kSessionDrain{2000};  // stop(): wait this long for open sessions
}  // namespace

struct MxHost::Impl final : server::MessageHandler {
  explicit Impl(MxHostConfig c) : config(std::move(c)), recorder(config.name) {
    recorder.set_level(config.recording);
    policy.set_rules(config.rules);
    policy.set_options(config.behaviour);
    policy.set_observer([this](const server::StageContext& ctx, const server::Action& a) {
      recorder.note_decision(ctx, a);
    });
  }

  MxHostConfig config;
  RulePolicy policy;
  Recorder recorder;
  std::unique_ptr<StarttlsReplyPolicy> starttls_policy;  // when tls.starttls_reply is set
  asio::io_context io{1};  // run by one thread (a hint that saves Asio some locking)
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<server::SmtpServer> server;
  std::optional<asio::ip::tcp::acceptor> refusing;  // bound, never listening (MxHostConfig::refuse)
  std::atomic<std::uint64_t> transaction_count{0};

  RecordedTransaction record(const server::SessionInfo& session, server::Transaction tx, const smtp::Reply& reply) {
    RecordedTransaction r;
    r.host = config.name;
    r.session_id = session.session_id;
    r.client_address = session.peer_address;
    r.helo = session.helo;
    r.mail_from = std::move(tx.mail_from);
    r.rcpt_to = std::move(tx.rcpt_to);
    r.size = tx.data.size();
    r.data = std::move(tx.data);
    r.received = SystemClock::instance().now();
    r.tls = session.tls;
    r.tls_version = session.tls_version;
    r.tls_cipher = session.tls_cipher;
    r.authenticated = session.authenticated;
    r.auth_user = session.auth_user;
    r.reply = reply.summary();
    return r;
  }

  void on_message(const server::SessionInfo& session, server::Transaction tx,
                  std::function<void(smtp::Reply)> done) override {
    std::string id = std::to_string(++transaction_count);
    smtp::Reply reply = smtp::make_reply(250, "2.0.0", "Ok: queued as " + config.name + "-" + id);
    recorder.add_transaction(record(session, std::move(tx), reply));
    done(std::move(reply));
  }

  // A message refused at end of data (by a rule, or as too large / malformed) is recorded apart.
  void on_rejected(const server::SessionInfo& session, const server::Transaction& tx, server::Stage stage,
                   const std::string&, const smtp::Reply& reply) override {
    if (stage == server::Stage::EndOfData) recorder.add_refused(record(session, tx, reply));
  }

  Status start_refusing() {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(config.address, ec);
    if (ec) return Status::failure("bad address '" + config.address + "': " + ec.message());
    asio::ip::tcp::endpoint ep(addr, config.port);
    refusing.emplace(io);
    refusing->open(ep.protocol(), ec);
    if (!ec) refusing->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) refusing->bind(ep, ec);
    if (ec) {
      refusing.reset();
      return Status::failure("cannot bind " + config.address + ":" + std::to_string(config.port) + ": " +
                             ec.message());
    }
    config.port = refusing->local_endpoint().port();
    return Status::success();
  }
};

MxHost::MxHost(MxHostConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

MxHost::~MxHost() { stop(); }

Status MxHost::start() {
  auto& i = *impl_;
  if (i.server || i.refusing) return Status::failure("already started");
  if (i.config.refuse) return i.start_refusing();
  auto options = i.config.server;
  if (options.hostname == "localhost") options.hostname = i.config.name;
  if (auto st = apply_tls(i.config.tls, i.config.name, i.config.address, options); !st) return st;
  server::SessionPolicy* policy = &i.policy;
  if (!i.config.tls.starttls_reply.empty()) {
    auto rule = reply_rule(server::Stage::Starttls, i.config.tls.starttls_reply);
    if (!rule) return Status::failure("bad tls.starttls_reply '" + i.config.tls.starttls_reply + "'");
    i.starttls_policy = std::make_unique<StarttlsReplyPolicy>(
        i.policy, smtp::make_reply(rule->code, rule->enhanced, rule->text));
    policy = i.starttls_policy.get();
  }
  i.server = std::make_unique<server::SmtpServer>(i.io, options, i, policy, &i.recorder);
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
  if (i.refusing) {
    boost::system::error_code ec;
    i.refusing->close(ec);
    i.refusing.reset();
  }
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
  if (!i.config.record_path.empty()) (void)write_recording(i.config.record_path);
}

const MxHostConfig& MxHost::config() const { return impl_->config; }
std::uint16_t MxHost::port() const { return impl_->config.port; }
RulePolicy& MxHost::policy() { return impl_->policy; }
Recorder& MxHost::recorder() { return impl_->recorder; }
std::uint64_t MxHost::connections() const { return impl_->server ? impl_->server->accepted_sessions() : 0; }
std::vector<RecordedTransaction> MxHost::transactions() const { return impl_->recorder.transactions(); }
std::vector<RecordedTransaction> MxHost::refused() const { return impl_->recorder.refused(); }
std::vector<RecordedSession> MxHost::sessions() const { return impl_->recorder.sessions(); }

std::size_t MxHost::wait_for_transactions(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->recorder.wait_for_transactions(n, timeout);
}

std::size_t MxHost::wait_for_sessions(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->recorder.wait_for_sessions(n, timeout);
}

void MxHost::reset() {
  impl_->recorder.reset();
  impl_->policy.reset_greylist();
  impl_->policy.reset_state();
}

std::string MxHost::recording_json() const { return impl_->recorder.json(); }

Status MxHost::write_recording(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << recording_json() << "\n";
  return out ? Status::success() : Status::failure("cannot write " + path);
}

}  // namespace mxlab::fakemx
