// mtad's end-of-data handler: gives the message an id, prepends the Received: header
// (RFC 5321 4.4), writes it durably to the spool off the I/O thread, and only then answers 250
// and hands the message to the scheduler. A message the spool guard says cannot be stored, or
// whose write fails, gets 451 instead (and a failure latches the guard).
#pragma once
#include <functional>
#include <set>

#include "mta/common/clock.hpp"
#include "mta/common/metrics.hpp"
#include "mta/config/mta_config.hpp"
#include "mta/core/spool_guard.hpp"
#include "mta/log/delivery_log.hpp"
#include "mta/queue/scheduler.hpp"
#include "mta/server/session_policy.hpp"
#include "mta/spool/spool.hpp"

namespace mxlab::core {

struct InboundDeps {
  boost::asio::io_context& io;
  boost::asio::thread_pool& blocking;
  spool::Spool& spool;
  SpoolGuard& guard;
  queue::Scheduler& scheduler;
  log::DeliveryLog& log;
  MetricsRegistry& metrics;
  const Clock& clock;
  const config::MtaConfig& config;
};

class InboundHandler final : public server::MessageHandler {
 public:
  explicit InboundHandler(const InboundDeps& deps);
  void on_message(const server::SessionInfo& session, server::Transaction tx,
                  std::function<void(smtp::Reply)> done) override;

 private:
  MessageId new_id();
  InboundDeps deps_;
  std::set<MessageId> storing_;  // ids being written, not yet in the scheduler
};

}  // namespace mxlab::core
