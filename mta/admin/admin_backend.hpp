// What the admin API asks of the running MTA. Every call is made on the MTA's io_context
// thread (the admin server runs there), so implementations touch scheduler state directly.
// Operations default to 501 so test backends implement only what they exercise.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/expected.hpp"
#include "mta/common/metrics.hpp"
#include "mta/log/log_query.hpp"
#include "mta/queue/admin_rules.hpp"
#include "mta/queue/queue_view.hpp"

namespace mxlab {
class SessionTable;
}
namespace mxlab::trace {
class TraceHub;
}

namespace mxlab::admin {

struct AdminError {
  int status = 500;  // HTTP status the handler answers with
  std::string reason;
};
template <class T>
using AdminResult = Expected<T, AdminError>;

// KumoMTA's resolve-egress-path: where mail for a domain goes (MX plan, site, ready queue).
struct EgressHost {
  std::string host;
  int preference = 0;
  std::vector<std::string> addresses;
};
struct EgressPath {
  std::string domain;
  std::string site;         // MX host set, as in the ready queue name
  std::string ready_queue;  // "unspecified->site@smtp_client"
  std::vector<EgressHost> hosts;  // in the order they would be tried
  std::string failure;      // when there is nowhere to deliver: the reply that would be recorded
};

// smtpctl's "show status" plus the counters of "show stats".
struct ServiceStatus {
  bool smtp_paused = false;
  bool mta_paused = false;
  double uptime_seconds = 0;
  std::uint64_t smtp_sessions_active = 0;
  std::uint64_t smtp_sessions_total = 0;
  queue::SchedulerStats scheduler;
};

// POST /api/inject/v1 after parsing (KumoMTA's shape): one message per recipient, each with the
// same content (the builder form is rendered by the handler), queued under the given parts.
struct InjectRequest {
  std::string envelope_sender;  // "" = null reverse-path
  std::vector<std::string> recipients;
  std::vector<std::string> contents;  // one RFC 5322 message per recipient, CRLF line ends
  std::map<std::string, std::string> meta;  // tenant / campaign / routing_domain, as given
};
struct InjectResult {
  std::size_t success_count = 0;
  std::vector<std::string> failed_recipients;
  std::vector<std::string> errors;
  std::vector<std::string> ids;  // queue id of each accepted message (mxlab extension)
};

class AdminBackend {
 public:
  virtual ~AdminBackend() = default;
  virtual MetricsRegistry& metrics() = 0;
  // Refreshes gauges (queue depths, connection counts) before metrics are rendered.
  virtual void refresh_metrics() = 0;
  // The scheduler's clock: rule expiry and "next try" are computed against it.
  virtual TimePoint now() { return SystemClock::instance().now(); }
  // The trace hub behind /api/admin/trace-smtp-{client,server}/v1; null: those answer 501.
  virtual trace::TraceHub* trace_hub() { return nullptr; }

  // Admin bounces and suspensions (see mta/queue/admin_rules.hpp).
  virtual AdminResult<queue::AdminRule> add_rule(queue::AdminRule rule);
  virtual std::vector<queue::AdminRule> list_rules(queue::RuleKind kind);
  virtual bool cancel_rule(queue::RuleKind kind, const std::string& id);
  // Queue views; `message` takes a message id or an envelope id.
  virtual std::vector<queue::MessageView> messages();
  virtual AdminResult<queue::MessageView> message(const std::string& id);
  // Reads each view's data from the spool off the io thread; `done` runs on the io thread.
  virtual void load_bodies(std::vector<queue::MessageView> views,
                           std::function<void(std::vector<queue::MessageView>)> done);
  // smtpctl actions; `id` is "all", a message id or an envelope id. Return envelopes affected.
  virtual AdminResult<std::size_t> schedule(const std::string& id);
  virtual AdminResult<std::size_t> remove(const std::string& id);
  virtual AdminResult<ServiceStatus> set_paused(std::string_view service, bool paused);  // "smtp" | "mta"
  // smtpctl pause / resume envelope: `id` as schedule. Returns envelopes whose state changed.
  virtual AdminResult<std::size_t> pause_envelopes(const std::string& id, bool paused);
  // KumoMTA's rebind; 400 when a data value is refused.
  virtual AdminResult<queue::RebindResult> rebind(const queue::RebindRequest& request);
  virtual ServiceStatus status();
  // Queues injected mail durably; `done` runs on the io thread. 400 for a bad address or part.
  virtual void inject(InjectRequest request, std::function<void(AdminResult<InjectResult>)> done);
  // The delivery log's matching JSON lines, read off the io thread; `done` runs on the io thread.
  virtual void query_log(log::LogQuery query, std::function<void(AdminResult<std::string>)> done);
  // Resolves the MX plan as a delivery would; `done` runs on the io thread.
  virtual void resolve_egress_path(const std::string& domain, std::function<void(AdminResult<EgressPath>)> done);
  // The live session table (kcli sessions, session-log, clear-stats); null: 501.
  virtual SessionTable* sessions() { return nullptr; }
};

}  // namespace mxlab::admin
