// Read-only views of the queue for operators (show-queue, inspect-message, inspect-sched-q,
// show-stats, status). Plain values copied off the io thread; the admin API renders them.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mta/common/clock.hpp"

namespace mxlab::queue {

struct EnvelopeView {
  std::string envelope_id;
  std::string recipient;
  std::string queue;  // scheduled queue name
  // pending, inflight (an attempt is running), suspended (held by an admin suspension or
  // a paused scheduler), delivered, bounced, expired
  std::string state;
  int attempts = 0;
  TimePoint next_attempt{};
  TimePoint last_attempt{};
  std::string last_error;
};

struct MessageView {
  std::string id;
  std::string sender;
  TimePoint received{};
  std::uint64_t size = 0;
  std::map<std::string, std::string> meta;
  std::vector<EnvelopeView> envelopes;
  std::optional<std::string> data;  // with want_body only
};

// Counters since start, named after smtpctl's show stats keys where one exists.
struct SchedulerStats {
  std::uint64_t incoming = 0;        // scheduler.envelope.incoming: envelopes ever queued
  std::uint64_t delivered = 0;       // scheduler.delivery.ok
  std::uint64_t tempfail = 0;        // scheduler.delivery.tempfail
  std::uint64_t permfail = 0;        // scheduler.delivery.permfail
  std::uint64_t expired = 0;         // scheduler.envelope.expired
  std::uint64_t removed = 0;         // scheduler.envelope.removed
  std::uint64_t admin_bounced = 0;   // scheduler.envelope.bounced.admin
  std::uint64_t envelopes = 0;       // scheduler.envelope: pending now
  std::uint64_t inflight = 0;        // scheduler.envelope.inflight
  std::uint64_t messages = 0;        // scheduler.message: queued now
  std::uint64_t spool_pending = 0;   // scheduler.spool.pending: attempt results not yet durable
  bool paused = false;
};

}  // namespace mxlab::queue
