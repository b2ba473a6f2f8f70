// The scheduler's private state, shared by scheduler.cpp (attempts and outcomes) and
// scheduler_admin.cpp (operator actions). Touched only on the MTA's io thread.
#pragma once
#include <boost/asio.hpp>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "mta/delivery/bounce_classifier.hpp"
#include "mta/delivery/domain_attempt.hpp"
#include "mta/queue/admin_rules.hpp"
#include "mta/queue/egress.hpp"
#include "mta/queue/retry_schedule.hpp"
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
  explicit Impl(SchedulerDeps d, delivery::BounceClassifier classifier)
      : d(d),
        classifier(std::move(classifier)),
        retry(d.config.retry, d.config.retry.jitter,
              d.config.retry.seed ? *d.config.retry.seed : (std::uint64_t{random_u32()} << 32 | random_u32())),
        timer(d.io),
        writer(d.spool),
        egress(d.config.egress),
        tls(d.config.delivery),
        connections(d.io, {d.config.delivery.max_deliveries_per_connection, d.config.delivery.idle_timeout,
                           {d.config.delivery.connect_timeout, d.config.delivery.command_timeout,
                            d.config.delivery.data_timeout}}) {}

  SchedulerDeps d;
  delivery::BounceClassifier classifier;  // bounce_classification of every failure record
  RetrySchedule retry;  // one generator for the whole queue: a fixed seed replays the same jitter
  std::uint64_t clock_watch = 0;  // token of the virtual-clock watcher (0: system clock)
  boost::asio::steady_timer timer;
  SpoolWriter writer;  // envelope updates and removals, group committed on their own thread
  EgressSelector egress;
  std::map<std::string, int> active_per_ready;                  // attempts running, per ready queue
  std::map<std::string, std::deque<WorkKey>> waiting_per_ready;  // work waiting for a slot
  delivery::ClientTlsPolicies tls;
  delivery::ConnectionCache connections;
  std::map<MessageId, spool::MessageRecord> messages;
  std::set<WorkItem> due;
  std::map<WorkKey, TimePoint> due_at;  // index into `due`: one work item per key at most
  std::set<WorkKey> busy;
  std::set<WorkKey> held;  // due but held by a suspension; released at once by its cancel
  std::set<EnvelopeId> paused_envelopes;  // smtpctl "pause envelope": never attempted until resumed
  std::map<std::string, std::string> site_of_domain;  // last known ready queue per domain
  std::set<std::string> gauge_labels[2];              // previous scheduled / ready label sets
  RuleSet bounces, suspensions, ready_suspensions;
  SchedulerStats counters;
  std::set<MessageId> reserved;  // ids handed out (reception, DSNs) but not yet added
  bool paused = false;
  bool stopping = false;
  std::function<void()> on_idle;

  MessageId new_id();  // unused by queued or reserved messages; reserved until add()
  void add(spool::MessageRecord rec);
  void set_due(MessageId id, const std::string& domain, TimePoint when);
  void schedule(const spool::MessageRecord& rec);
  void drop(MessageId id);  // forgets a finished message and its work items
  void launch_due();
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> attempt(MessageId id, std::string domain);
  // `retry_at`: when deferred recipients of this attempt try again, drawn once per attempt (nullopt:
  // they expire instead); filled on the first deferral.
  struct AttemptFacts {
    std::string ready_queue;
    EgressChoice egress;
    std::string message_id;  // the Message-ID header, when known
    log::Delays delays;
  };
  void record_outcome(spool::MessageRecord& rec, spool::EnvelopeRecord& env, const delivery::RecipientOutcome& o,
                      const AttemptFacts& facts, TimePoint now, std::optional<std::optional<TimePoint>>& retry_at);
  // A connection_limit slot of `ready_queue`: taken for an attempt, or the work waits for one.
  bool take_slot(const std::string& ready_queue, MessageId id, const std::string& domain);
  void release_slot(const std::string& ready_queue);
  // Expiration record for env (pending past max_age, or no retry before it); `why` ends the text.
  void expire(spool::MessageRecord& rec, spool::EnvelopeRecord& env, const std::string& why, TimePoint now,
              const std::string& message_id = "");
  // The fields every per-recipient record shares; `message_id`: the Message-ID header when known.
  log::LogRecord base_record(const spool::MessageRecord& rec, const spool::EnvelopeRecord& env, TimePoint now,
                             const std::string& message_id = "") const;
  void persist(const spool::MessageRecord& rec);
  void finished();
  // Bounces rec's pending envelopes covered by `only` (or any active bounce) whose domain is not
  // mid-attempt; logs AdminBounce records. Returns how many were bounced.
  std::size_t apply_bounces(spool::MessageRecord& rec, AdminRule* only = nullptr);
  // After an attempt or an admin change to rec: persist it; when nothing is pending, queue its
  // DSN if one is due (scheduler_dsn.cpp) and forget it. rec is dangling afterwards if it was done.
  void settle(spool::MessageRecord& rec);
  // Builds the message's one DSN (RFC 3464) covering every recipient with notify_sender, stores it
  // durably, then removes the original (in that order, on the spool strand) and queues the DSN.
  void queue_dsn(const spool::MessageRecord& rec);
  RuleSet& rules_of(RuleKind kind) {
    return kind == RuleKind::Bounce ? bounces : kind == RuleKind::Suspend ? suspensions : ready_suspensions;
  }
  // The active suspend-ready-q rule over `ready_queue`, or null.
  const AdminRule* ready_hold(const std::string& ready_queue, TimePoint now) const;
  // Pending and not paused by an operator: the envelopes an attempt takes.
  bool runnable(const spool::EnvelopeRecord& env) const {
    return env.state == spool::EnvelopeState::Pending && !paused_envelopes.count(env.id);
  }
  EnvelopeView view_of(const spool::MessageRecord& rec, const spool::EnvelopeRecord& env) const;
};

}  // namespace mxlab::queue
