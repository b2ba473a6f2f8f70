// The scheduler's private state, shared by scheduler.cpp (attempts and outcomes) and
// scheduler_admin.cpp (operator actions). Touched only on the MTA's io thread.
#pragma once
#include <boost/asio.hpp>
#include <functional>
#include <map>
#include <set>

#include "mta/delivery/domain_attempt.hpp"
#include "mta/queue/admin_rules.hpp"
#include "mta/queue/retry_policy.hpp"
#include "mta/queue/scheduler.hpp"
#include "mta/queue/spool_writer.hpp"

namespace mxlab::queue {

struct WorkItem {
  TimePoint due;
  MessageId id;
  std::string domain;
  auto operator<=>(const WorkItem&) const = default;
};

using WorkKey = std::pair<MessageId, std::string>;  // (message, recipient domain)

struct Scheduler::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(SchedulerDeps d)
      : d(d), retry(d.config.retry), timer(d.io), writer(d.spool), tls(d.config.delivery),
        connections(d.io, {d.config.delivery.max_deliveries_per_connection, d.config.delivery.idle_timeout,
                           {d.config.delivery.connect_timeout, d.config.delivery.command_timeout,
                            d.config.delivery.data_timeout}}) {}

  SchedulerDeps d;
  RetryPolicy retry;
  boost::asio::steady_timer timer;
  SpoolWriter writer;  // envelope updates and removals, group committed on their own thread
  delivery::ClientTlsPolicies tls;
  delivery::ConnectionCache connections;
  std::map<MessageId, spool::MessageRecord> messages;
  std::set<WorkItem> due;
  std::map<WorkKey, TimePoint> due_at;  // index into `due`: one work item per key at most
  std::set<WorkKey> busy;
  std::set<WorkKey> held;  // due but held by a suspension; released at once by its cancel
  std::map<std::string, std::string> site_of_domain;  // last known ready queue per domain
  std::set<std::string> gauge_labels[2];              // previous scheduled / ready label sets
  RuleSet bounces, suspensions;
  SchedulerStats counters;
  bool paused = false;
  bool stopping = false;
  std::function<void()> on_idle;

  void set_due(MessageId id, const std::string& domain, TimePoint when);
  void schedule(const spool::MessageRecord& rec);
  void drop(MessageId id);  // forgets a finished message and its work items
  void launch_due();
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> attempt(MessageId id, std::string domain);
  void record_outcome(spool::MessageRecord& rec, spool::EnvelopeRecord& env, const delivery::RecipientOutcome& o,
                      const std::string& ready_queue, TimePoint now, const log::Delays& delays,
                      const std::optional<std::string>& message_id);
  void persist(const spool::MessageRecord& rec);
  void finished();
  // Bounces rec's pending envelopes covered by `only` (or any active bounce) whose domain is not
  // mid-attempt; logs AdminBounce records. Returns how many were bounced.
  std::size_t apply_bounces(spool::MessageRecord& rec, AdminRule* only = nullptr);
  // After an admin change to rec: persist it, and forget it when nothing is pending.
  void settle(spool::MessageRecord& rec);
  EnvelopeView view_of(const spool::MessageRecord& rec, const spool::EnvelopeRecord& env) const;
};

}  // namespace mxlab::queue
