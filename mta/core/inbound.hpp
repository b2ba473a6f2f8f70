// mtad's reception: gives a message an id, prepends the Received: header (RFC 5321 4.4), reads
// its scheduled-queue parts (tenant, campaign, routing domain) from the configured headers,
// writes it durably to the spool off the I/O thread, and only then answers 250 and hands it to
// the scheduler. HTTP injection (POST /api/inject/v1) queues through the same path. A message the
// spool guard says cannot be stored, or whose write fails, gets 451 instead (and a failure
// latches the guard). Refused commands and messages become Rejection records.
#pragma once
#include <functional>
#include <map>
#include <memory>

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

// One message to queue, however it arrived.
struct Submission {
  std::string sender;  // empty = null reverse-path
  std::vector<std::string> recipients;
  std::string data;  // RFC 5322 message, CRLF line ends; submit() prepends Received:
  std::map<std::string, std::string> meta;  // tenant / campaign / routing_domain (checked)
  std::string peer_address;                 // "127.0.0.1"
  std::uint16_t peer_port = 0;
  std::string helo;
  std::string with = "ESMTP";  // Received: "with" clause and reception_protocol: ESMTP, SMTP, HTTP
  std::chrono::steady_clock::time_point started{};  // MAIL FROM (unset: injection)
};

class InboundHandler final : public server::MessageHandler {
 public:
  explicit InboundHandler(const InboundDeps& deps);
  void on_message(const server::SessionInfo& session, server::Transaction tx,
                  std::function<void(smtp::Reply)> done) override;
  void on_rejected(const server::SessionInfo& session, const server::Transaction& tx, server::Stage stage,
                   const std::string& argument, const smtp::Reply& reply) override;

  // Stores the message and queues it (io thread). `done` runs on the io thread with the queue id,
  // or an error when the spool write failed.
  void submit(Submission s, std::function<void(Expected<std::string>)> done);
  // Reads the configured queue headers of `data` into meta; "" or why a value was refused.
  std::string queue_parts_from_headers(std::string_view data, std::map<std::string, std::string>& meta) const;

 private:
  void reject(const std::string& sender, const std::string& recipient, const std::string& peer,
              const std::string& helo, const smtp::Reply& reply, const std::string& command);
  InboundDeps deps_;
};

}  // namespace mxlab::core
