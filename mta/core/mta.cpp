// Wiring of one MTA (see mta.hpp): builds the seams from config, recovers the spool, starts
// listeners and the admin API, runs everything on one io_context thread plus a small blocking
// pool for spool I/O, and drains in order on stop.
#include "mta/core/mta.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "mta/admin/admin_server.hpp"
#include "mta/common/session_table.hpp"
#include "mta/core/inbound.hpp"
#include "mta/core/mta_admin.hpp"
#include "mta/core/pause_policy.hpp"
#include "mta/log/postfix_log.hpp"
#include "mta/dns/resolver.hpp"
#include "mta/queue/queue_names.hpp"
#include "mta/queue/scheduler.hpp"
#include "mta/server/smtp_server.hpp"
#include "mta/trace/trace_hub.hpp"

namespace mxlab::core {

namespace asio = boost::asio;

struct Mta::Impl {
  Impl(config::MtaConfig c, Clock* clk)
      : config(std::move(c)),
        clock(clk ? *clk : SystemClock::instance()),
        spool_guard(config.spool.path, config.spool.min_free_space),
        pause(config.hostname, &spool_guard),
        smtp_ports(config.listeners.size()) {
    log.add_listener([this](const log::LogRecord& r) { postfix_log.write(r); });
  }

  config::MtaConfig config;
  const Clock& clock;
  SessionTable sessions;  // declared before io: sessions destroyed with the io_context update it
  asio::io_context io;
  asio::thread_pool blocking{2};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  MetricsRegistry metric_registry;
  trace::TraceHub trace_hub;  // before its producers (scheduler, servers): it outlives them
  log::DeliveryLog log;
  log::PostfixLog postfix_log;  // fed by `log`'s listener; writes only once opened
  std::unique_ptr<spool::Spool> spool;
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<queue::Scheduler> scheduler;
  std::unique_ptr<InboundHandler> inbound;
  SpoolGuard spool_guard;  // refuses new mail the spool could not store
  PausePolicy pause;  // "pause smtp": new inbound sessions get 421
  std::unique_ptr<MtaAdmin> admin_backend;
  std::vector<std::unique_ptr<server::SmtpServer>> servers;
  std::unique_ptr<admin::AdminServer> admin;
  std::size_t recovered = 0;
  // start(), stop() and the calls that reach the io thread come from any thread (Python):
  // `lifecycle` keeps stop() from stopping the io thread under a queue_snapshot() waiting on it.
  mutable std::mutex lifecycle;
  bool running = false;
  std::vector<std::atomic<std::uint16_t>> smtp_ports;  // sized once, in the constructor
  std::atomic<std::uint16_t> admin_port{0};

  Status open_seams();
  Status recover();
  Status listen();

  // Runs f on the io thread and waits for its result (callers are other threads).
  template <class F>
  auto on_io(F f) {
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }
};

Status Mta::Impl::open_seams() {
  if (!config.log.path.empty()) {
    if (auto st = log.open(config.log.path); !st) return st;
  }
  if (!config.log.postfix_path.empty()) {
    auto st = postfix_log.open(config.log.postfix_path, config.hostname, config.delivery.port);
    if (!st) return st;
  }
  auto sp = spool::open_rocksdb_spool({config.spool.path, config.spool.sync});
  if (!sp) return Status::failure("spool: " + sp.error());
  spool = std::move(*sp);
  dns::AresOptions ro{config.resolver.nameservers, config.resolver.timeout, config.resolver.attempts};
  auto res = dns::make_ares_resolver(ro);
  if (!res) return Status::failure("resolver: " + res.error());
  resolver = std::move(*res);
  scheduler = std::make_unique<queue::Scheduler>(
      queue::SchedulerDeps{io, blocking, *spool, *resolver, log, metric_registry, clock, config, &trace_hub,
                          &sessions});
  inbound = std::make_unique<InboundHandler>(
      InboundDeps{io, blocking, *spool, spool_guard, *scheduler, log, metric_registry, clock, config});
  return Status::success();
}

Status Mta::Impl::recover() {
  // Runs before the io thread starts: the scheduler is not shared yet.
  std::vector<spool::MessageRecord> found;
  Status st = spool->recover([&](spool::MessageRecord r) { found.push_back(std::move(r)); });
  for (auto& r : found) {
    if (r.done()) continue;
    scheduler->add(std::move(r));
    ++recovered;
  }
  return st;
}

Status Mta::Impl::listen() {
  server::ServerOptions so;
  so.hostname = config.hostname;
  so.max_message_size = config.limits.max_message_size;
  so.max_line_length = config.limits.max_line_length;
  so.max_recipients = config.limits.max_recipients;
  so.max_connections = config.limits.max_connections;
  so.max_connections_per_ip = config.limits.max_connections_per_ip;
  so.idle_timeout = config.limits.idle_timeout;
  so.session_timeout = config.limits.session_timeout;
  so.sessions = &sessions;
  for (const auto& l : config.listeners) {
    auto s = std::make_unique<server::SmtpServer>(io, so, *inbound, &pause, &trace_hub);
    if (auto st = s->listen(l.address, l.port); !st) return st;
    smtp_ports[servers.size()] = s->port();
    servers.push_back(std::move(s));
  }
  if (config.admin.enabled) {
    admin_backend = std::make_unique<MtaAdmin>(
        MtaAdminDeps{io, blocking, *spool, *scheduler, metric_registry, clock, pause, servers, trace_hub, *inbound,
                     config.log.path, sessions, *resolver, config.delivery.max_mx_addresses});
    admin = std::make_unique<admin::AdminServer>(io, config.admin, *admin_backend);
    if (auto st = admin->start(); !st) return Status::failure("admin: " + st.error);
    admin_port = admin->port();
  }
  return Status::success();
}

Mta::Mta(config::MtaConfig config, Clock* clock) : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

Mta::~Mta() { stop(std::chrono::milliseconds(2000)); }

Status Mta::start() {
  auto& i = *impl_;
  std::lock_guard lock(i.lifecycle);
  if (i.running) return Status::failure("already running");
  if (auto st = i.open_seams(); !st) return st;
  Status recovered = i.recover();
  if (auto st = i.listen(); !st) {
    i.servers.clear();
    i.admin.reset();
    for (auto& p : i.smtp_ports) p = 0;
    i.admin_port = 0;
    return st;
  }
  i.scheduler->start();
  i.work.emplace(i.io.get_executor());
  i.thread = std::thread([&io = i.io] { io.run(); });
  i.running = true;
  if (!recovered) return Status::failure("spool recovery incomplete: " + recovered.error);
  return Status::success();
}

void Mta::stop(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  std::lock_guard lock(i.lifecycle);
  if (!i.running) return;
  i.running = false;
  auto deadline = std::chrono::steady_clock::now() + grace;
  auto drained = std::make_shared<std::promise<void>>();
  auto drained_future = drained->get_future();
  asio::post(i.io, [&i, drained] {
    for (auto& s : i.servers) s->stop();
    i.scheduler->stop([drained] { drained->set_value(); });
  });
  drained_future.wait_until(deadline);
  // Sessions end with a 421 at once, except those waiting for their spool write: give them the
  // rest of the grace so the 250 for a message already stored reaches the client.
  auto sessions_open = [&] {
    for (const auto& s : i.servers)
      if (s->active_sessions() > 0) return true;
    return false;
  };
  while (sessions_open() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  i.on_io([&] {
    if (i.admin) i.admin->stop();
    return 0;
  });
  // The io thread goes first: after it, nothing can post more spool work. Joining the pool
  // then runs every store and envelope update already issued (joining it first would drop
  // the updates of attempts that finish after the grace).
  i.work.reset();
  i.io.stop();
  i.thread.join();
  i.blocking.join();
  i.scheduler->flush_spool();  // the last attempts' envelope updates and removals
  i.servers.clear();
  i.admin.reset();
  for (auto& p : i.smtp_ports) p = 0;
  i.admin_port = 0;
}

// Ports are copied at start: stop() destroys the servers while other threads may ask.
std::uint16_t Mta::smtp_port(std::size_t listener) const {
  return listener < impl_->smtp_ports.size() ? impl_->smtp_ports[listener].load() : 0;
}
std::uint16_t Mta::admin_port() const { return impl_->admin_port; }
const config::MtaConfig& Mta::config() const { return impl_->config; }
MetricsRegistry& Mta::metrics() { return impl_->metric_registry; }
trace::TraceHub& Mta::trace_hub() { return impl_->trace_hub; }
log::DeliveryLog& Mta::delivery_log() { return impl_->log; }
std::size_t Mta::recovered_messages() const { return impl_->recovered; }

std::vector<QueuedMessage> Mta::queue_snapshot() {
  std::vector<spool::MessageRecord> records;
  {
    std::lock_guard lock(impl_->lifecycle);  // the io thread runs until we have the answer
    if (!impl_->running) return {};
    records = impl_->on_io([this] { return impl_->scheduler->snapshot(); });
  }
  std::vector<QueuedMessage> out;
  for (const auto& r : records) {
    QueuedMessage m{format_message_id(r.id), r.sender, {}, {}};
    for (const auto& e : r.envelopes) {
      if (m.queue.empty()) m.queue = queue::scheduled_queue_name(spool::domain_of(e.recipient), r.meta);
      m.envelopes.push_back({format_envelope_id(e.id), e.recipient, std::string(spool::to_string(e.state)), e.attempts,
                             e.next_attempt, e.last_error});
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace mxlab::core
