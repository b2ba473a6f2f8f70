// One running MTA: spool, scheduler, resolver, SMTP listeners, admin API and delivery log wired
// together on one io_context thread. mtad's main and the Python module both drive this class,
// so what the tests start in-process is what the daemon deploys.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/expected.hpp"
#include "mta/common/metrics.hpp"
#include "mta/config/mta_config.hpp"
#include "mta/log/delivery_log.hpp"

namespace mxlab::trace {
class TraceHub;
}

namespace mxlab::core {

// A read-only view of one queued message for tests and tools.
struct QueuedEnvelope {
  std::string envelope_id;
  std::string recipient;
  std::string state;  // "pending", "delivered", "bounced", "expired"
  int attempts = 0;
  TimePoint next_attempt{};
  std::string last_error;
};
struct QueuedMessage {
  std::string id;
  std::string sender;
  std::string queue;  // scheduled queue name
  std::vector<QueuedEnvelope> envelopes;
};

class Mta {
 public:
  explicit Mta(config::MtaConfig config, Clock* clock = nullptr);
  ~Mta();
  Mta(const Mta&) = delete;
  Mta& operator=(const Mta&) = delete;

  // Opens the spool, recovers and schedules every spooled message, starts listeners and the
  // admin API. Returns once everything is listening.
  Status start();
  // Graceful drain: stop accepting, let in-flight sessions and deliveries finish (bounded by
  // `grace`), persist state, stop threads. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  std::uint16_t smtp_port(std::size_t listener = 0) const;
  std::uint16_t admin_port() const;
  const config::MtaConfig& config() const;
  MetricsRegistry& metrics();
  // Live SMTP client and server traces: subscribe from any thread (docs/TRACE.md).
  trace::TraceHub& trace_hub();
  log::DeliveryLog& delivery_log();
  std::vector<QueuedMessage> queue_snapshot();
  std::size_t recovered_messages() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxlab::core
