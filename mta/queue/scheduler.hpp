// The queue: every spooled message with pending envelopes, grouped per (message, domain) into
// delivery attempts when due. Runs on the MTA's io_context thread; spool I/O goes to a blocking
// pool. Outcomes update the envelope, the spool, the delivery log and the metrics.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/metrics.hpp"
#include "mta/config/mta_config.hpp"
#include "mta/dns/resolver.hpp"
#include "mta/log/delivery_log.hpp"
#include "mta/queue/admin_rules.hpp"
#include "mta/queue/queue_view.hpp"
#include "mta/spool/spool.hpp"
#include "mta/trace/trace_sink.hpp"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace mxlab {
class SessionTable;
}

namespace mxlab::queue {

struct SchedulerDeps {
  boost::asio::io_context& io;
  boost::asio::thread_pool& blocking;
  spool::Spool& spool;
  dns::Resolver& resolver;
  log::DeliveryLog& log;
  MetricsRegistry& metrics;
  const Clock& clock;
  const config::MtaConfig& config;
  trace::TraceSink* trace = nullptr;
  SessionTable* sessions = nullptr;  // live session table for outbound sessions
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerDeps deps);
  ~Scheduler();
  // Call on the io thread. Takes a spooled message; due envelopes are attempted at once.
  void add(spool::MessageRecord record);
  // A fresh message id (io thread): unused by queued mail and not handed out again until add()
  // takes the message or release_id() gives the id back (a failed spool write).
  MessageId reserve_id();
  void release_id(MessageId id);
  bool contains(MessageId id) const;
  void start();
  // Stops launching attempts; `done` runs on the io thread once in-flight attempts finished.
  void stop(std::function<void()> done);
  std::size_t in_flight() const;
  // Blocks until every envelope update and removal issued so far is durable (any thread).
  void flush_spool();
  std::vector<spool::MessageRecord> snapshot() const;
  void refresh_metrics();

  // ---- operator actions (scheduler_admin.cpp); io thread only ----
  enum class IdError { Malformed, Unknown };
  // Bounce: bounces matching queued mail now (AdminBounce records) and stays active so mail
  // arriving later is bounced too; the returned copy carries the counts. Suspend: matching mail
  // is held, not attempted, until the rule expires or is cancelled.
  AdminRule add_rule(AdminRule rule);
  std::vector<AdminRule> rules(RuleKind kind);  // active ones; expired rules are dropped
  bool cancel_rule(RuleKind kind, std::string_view id);
  std::vector<MessageView> views() const;
  Expected<MessageView, IdError> view(std::string_view message_id) const;
  // `id`: "all", a message id (all its envelopes) or an envelope id. Returns envelopes affected.
  Expected<std::size_t, IdError> schedule_now(std::string_view id);  // retry now
  Expected<std::size_t, IdError> remove(std::string_view id);        // delete without a bounce
  void set_paused(bool paused);  // paused: no delivery attempt starts
  // smtpctl "pause envelope" / "resume envelope": `id` as schedule_now. A paused envelope stays
  // queued and is not attempted (attempts already running finish); resume makes it eligible
  // again at its next retry time. Not persisted. Returns envelopes whose state changed.
  Expected<std::size_t, IdError> pause_envelopes(std::string_view id, bool paused);
  // KumoMTA's rebind (see RebindRequest); AdminRebind records for moved messages unless
  // suppressed. Unexpected: why a data value was refused (nothing is changed then).
  Expected<RebindResult> rebind(const RebindRequest& request);
  SchedulerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mxlab::queue
