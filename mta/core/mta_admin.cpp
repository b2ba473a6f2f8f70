// MtaAdmin (see mta_admin.hpp): maps admin operations onto the scheduler and maps its id
// errors onto HTTP statuses (400 malformed id, 404 unknown id).
#include "mta/core/mta_admin.hpp"

#include <fstream>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

namespace mxlab::core {

namespace asio = boost::asio;
using admin::AdminError;

namespace {
AdminError id_error(queue::Scheduler::IdError e, const std::string& id) {
  if (e == queue::Scheduler::IdError::Malformed) {
    return {400, "'" + id + "' is not \"all\", a message id (8 hex digits) or an envelope id (16 hex digits)"};
  }
  return {404, "no queued message or envelope " + id};
}
}  // namespace

admin::AdminResult<queue::AdminRule> MtaAdmin::add_rule(queue::AdminRule rule) {
  return d_.scheduler.add_rule(std::move(rule));
}

std::vector<queue::AdminRule> MtaAdmin::list_rules(queue::RuleKind kind) { return d_.scheduler.rules(kind); }

bool MtaAdmin::cancel_rule(queue::RuleKind kind, const std::string& id) { return d_.scheduler.cancel_rule(kind, id); }

std::vector<queue::MessageView> MtaAdmin::messages() { return d_.scheduler.views(); }

admin::AdminResult<queue::MessageView> MtaAdmin::message(const std::string& id) {
  auto v = d_.scheduler.view(id);
  if (!v) return unexpected(id_error(v.error(), id));
  return std::move(*v);
}

void MtaAdmin::load_bodies(std::vector<queue::MessageView> views,
                           std::function<void(std::vector<queue::MessageView>)> done) {
  asio::post(d_.blocking, [&spool = d_.spool, &io = d_.io, views = std::move(views), done = std::move(done)]() mutable {
    for (auto& v : views) {
      auto id = parse_message_id(v.id);
      auto data = id ? spool.load_data(*id) : Expected<std::string>(unexpected(std::string("bad id")));
      if (data) v.data = std::move(*data);
      else spdlog::warn("admin: body of {} unavailable: {}", v.id, data.error());
    }
    asio::post(io, [views = std::move(views), done = std::move(done)]() mutable { done(std::move(views)); });
  });
}

void MtaAdmin::query_log(log::LogQuery query, std::function<void(admin::AdminResult<std::string>)> done) {
  if (d_.log_path.empty()) return done(unexpected(admin::AdminError{404, "no delivery log is configured (log.path)"}));
  asio::post(d_.blocking, [path = d_.log_path, &io = d_.io, query = std::move(query), done = std::move(done)]() mutable {
    std::ifstream in(path);
    admin::AdminResult<std::string> result =
        in ? admin::AdminResult<std::string>(log::select_lines(in, query))
           : admin::AdminResult<std::string>(unexpected(admin::AdminError{500, "cannot read " + path}));
    asio::post(io, [result = std::move(result), done = std::move(done)]() mutable { done(std::move(result)); });
  });
}

admin::AdminResult<std::size_t> MtaAdmin::schedule(const std::string& id) {
  auto n = d_.scheduler.schedule_now(id);
  if (!n) return unexpected(id_error(n.error(), id));
  return *n;
}

admin::AdminResult<std::size_t> MtaAdmin::remove(const std::string& id) {
  auto n = d_.scheduler.remove(id);
  if (!n) return unexpected(id_error(n.error(), id));
  return *n;
}

admin::AdminResult<admin::ServiceStatus> MtaAdmin::set_paused(std::string_view service, bool paused) {
  if (service == "smtp") {
    d_.pause.set_paused(paused);
    spdlog::info("admin: inbound smtp {}", paused ? "paused" : "resumed");
  } else if (service == "mta") {
    d_.scheduler.set_paused(paused);
  } else {
    return unexpected(AdminError{400, "service must be \"smtp\" or \"mta\""});
  }
  return status();
}

admin::ServiceStatus MtaAdmin::status() {
  admin::ServiceStatus s;
  s.smtp_paused = d_.pause.paused();
  s.scheduler = d_.scheduler.stats();
  s.mta_paused = s.scheduler.paused;
  s.uptime_seconds = std::chrono::duration<double>(d_.clock.now() - started_).count();
  for (const auto& srv : d_.servers) {
    s.smtp_sessions_active += srv->active_sessions();
    s.smtp_sessions_total += srv->accepted_sessions();
  }
  return s;
}

}  // namespace mxlab::core
