// The MTA side of the admin API: AdminBackend over the scheduler, the spool, the inbound
// pause switch and the listeners. Called on the io thread only (the admin server runs there);
// message bodies are read on the blocking pool and handed back to the io thread.
#pragma once
#include <memory>
#include <vector>

#include "mta/admin/admin_backend.hpp"
#include "mta/core/inbound.hpp"
#include "mta/dns/resolver.hpp"
#include "mta/core/pause_policy.hpp"
#include "mta/queue/scheduler.hpp"
#include "mta/server/smtp_server.hpp"
#include "mta/spool/spool.hpp"
#include "mta/trace/trace_hub.hpp"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace mxlab::core {

struct MtaAdminDeps {
  boost::asio::io_context& io;
  boost::asio::thread_pool& blocking;
  spool::Spool& spool;
  queue::Scheduler& scheduler;
  MetricsRegistry& metrics;
  const Clock& clock;
  PausePolicy& pause;
  const std::vector<std::unique_ptr<server::SmtpServer>>& servers;
  trace::TraceHub& trace;
  InboundHandler& inbound;  // HTTP injection queues through reception
  std::string log_path;  // the JSON delivery log; "" = none configured
  SessionTable& sessions;
  dns::Resolver& resolver;
  int max_mx_addresses = 5;
};

class MtaAdmin final : public admin::AdminBackend {
 public:
  explicit MtaAdmin(MtaAdminDeps d) : d_(d), started_(d.clock.now()) {}

  MetricsRegistry& metrics() override { return d_.metrics; }
  void refresh_metrics() override {
    d_.scheduler.refresh_metrics();
    d_.trace.export_metrics(d_.metrics);
  }
  trace::TraceHub* trace_hub() override { return &d_.trace; }
  TimePoint now() override { return d_.clock.now(); }
  admin::AdminResult<queue::AdminRule> add_rule(queue::AdminRule rule) override;
  std::vector<queue::AdminRule> list_rules(queue::RuleKind kind) override;
  bool cancel_rule(queue::RuleKind kind, const std::string& id) override;
  std::vector<queue::MessageView> messages() override;
  admin::AdminResult<queue::MessageView> message(const std::string& id) override;
  void load_bodies(std::vector<queue::MessageView> views,
                   std::function<void(std::vector<queue::MessageView>)> done) override;
  admin::AdminResult<std::size_t> schedule(const std::string& id) override;
  admin::AdminResult<std::size_t> remove(const std::string& id) override;
  admin::AdminResult<admin::ServiceStatus> set_paused(std::string_view service, bool paused) override;
  admin::ServiceStatus status() override;
  void inject(admin::InjectRequest request, std::function<void(admin::AdminResult<admin::InjectResult>)> done) override;
  void query_log(log::LogQuery query, std::function<void(admin::AdminResult<std::string>)> done) override;
  admin::AdminResult<std::size_t> pause_envelopes(const std::string& id, bool paused) override;
  admin::AdminResult<queue::RebindResult> rebind(const queue::RebindRequest& request) override;
  void resolve_egress_path(const std::string& domain,
                           std::function<void(admin::AdminResult<admin::EgressPath>)> done) override;
  SessionTable* sessions() override { return &d_.sessions; }

 private:
  MtaAdminDeps d_;
  TimePoint started_;
};

}  // namespace mxlab::core
