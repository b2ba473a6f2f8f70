// Default AdminBackend operations: 501, so a partial backend answers honestly.
#include "mta/admin/admin_backend.hpp"

namespace mxlab::admin {

namespace {
AdminError not_implemented() { return {501, "this backend does not implement the operation"}; }
}  // namespace

AdminResult<queue::AdminRule> AdminBackend::add_rule(queue::AdminRule) { return unexpected(not_implemented()); }
std::vector<queue::AdminRule> AdminBackend::list_rules(queue::RuleKind) { return {}; }
bool AdminBackend::cancel_rule(queue::RuleKind, const std::string&) { return false; }
std::vector<queue::MessageView> AdminBackend::messages() { return {}; }
AdminResult<queue::MessageView> AdminBackend::message(const std::string&) { return unexpected(not_implemented()); }
void AdminBackend::load_bodies(std::vector<queue::MessageView> views,
                               std::function<void(std::vector<queue::MessageView>)> done) {
  done(std::move(views));
}
AdminResult<std::size_t> AdminBackend::schedule(const std::string&) { return unexpected(not_implemented()); }
AdminResult<std::size_t> AdminBackend::remove(const std::string&) { return unexpected(not_implemented()); }
AdminResult<ServiceStatus> AdminBackend::set_paused(std::string_view, bool) { return unexpected(not_implemented()); }
AdminResult<std::size_t> AdminBackend::pause_envelopes(const std::string&, bool) {
  return unexpected(not_implemented());
}
AdminResult<queue::RebindResult> AdminBackend::rebind(const queue::RebindRequest&) {
  return unexpected(not_implemented());
}
ServiceStatus AdminBackend::status() { return {}; }
void AdminBackend::inject(InjectRequest, std::function<void(AdminResult<InjectResult>)> done) {
  done(unexpected(not_implemented()));
}
void AdminBackend::query_log(log::LogQuery, std::function<void(AdminResult<std::string>)> done) {
  done(unexpected(not_implemented()));
}
void AdminBackend::resolve_egress_path(const std::string&, std::function<void(AdminResult<EgressPath>)> done) {
  done(unexpected(not_implemented()));
}

}  // namespace mxlab::admin
