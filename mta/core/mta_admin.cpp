// MtaAdmin (see mta_admin.hpp): maps admin operations onto the scheduler and maps its id
// errors onto HTTP statuses (400 malformed id, 404 unknown id).
#include "mta/core/mta_admin.hpp"

#include <fstream>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "mta/protocol/command.hpp"
#include "mta/delivery/mx_plan.hpp"
#include "mta/queue/queue_names.hpp"

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

namespace {
// A coroutine of its own: arguments by value, awaited ones as named locals (GCC 12).
asio::awaitable<void> resolve_path(dns::Resolver& resolver, std::string domain, int max_addresses,
                                   std::function<void(admin::AdminResult<admin::EgressPath>)> done) {
  delivery::MxPlan plan = co_await delivery::resolve_mx_plan(resolver, domain, max_addresses);
  admin::EgressPath path;
  path.domain = domain;
  for (const auto& t : plan.targets) {
    path.site += (path.site.empty() ? "" : ",") + t.host;
    path.hosts.push_back({t.host, t.preference, t.addresses});
  }
  if (plan.targets.empty()) {
    path.site = domain;
    path.failure = plan.failure.summary();
  }
  path.ready_queue = queue::ready_queue_name(queue::kDefaultEgressSource, path.site);
  done(std::move(path));
}
}  // namespace

void MtaAdmin::resolve_egress_path(const std::string& domain,
                                   std::function<void(admin::AdminResult<admin::EgressPath>)> done) {
  asio::co_spawn(d_.io, resolve_path(d_.resolver, domain, d_.max_mx_addresses, std::move(done)), asio::detached);
}

admin::AdminResult<std::size_t> MtaAdmin::pause_envelopes(const std::string& id, bool paused) {
  auto n = d_.scheduler.pause_envelopes(id, paused);
  if (!n) return unexpected(id_error(n.error(), id));
  return *n;
}

admin::AdminResult<queue::RebindResult> MtaAdmin::rebind(const queue::RebindRequest& request) {
  auto r = d_.scheduler.rebind(request);
  if (!r) return unexpected(admin::AdminError{400, r.error()});
  return *r;
}

admin::AdminResult<admin::ServiceStatus> MtaAdmin::set_paused(std::string_view service, bool paused) {
  if (service == "smtp") {
    d_.pause.set_paused(paused);
    spdlog::info("admin: inbound smtp {}", paused ? "paused" : "resumed");
  } else if (service == "mta") {
    d_.scheduler.set_paused(paused);
  } else if (service == "all") {
    d_.pause.set_paused(paused);
    d_.scheduler.set_paused(paused);
  } else {
    return unexpected(AdminError{400, "service must be \"smtp\", \"mta\" or \"all\""});
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

void MtaAdmin::inject(admin::InjectRequest request,
                      std::function<void(admin::AdminResult<admin::InjectResult>)> done) {
  if (!request.envelope_sender.empty() && !smtp::is_valid_mailbox(request.envelope_sender, true))
    return done(unexpected(AdminError{400, "envelope_sender: bad address '" + request.envelope_sender + "'"}));
  for (const auto& r : request.recipients)
    if (!smtp::is_valid_mailbox(r, true)) return done(unexpected(AdminError{400, "recipients: bad address '" + r + "'"}));
  std::map<std::string, std::string> meta;
  for (const auto& [key, value] : request.meta)
    if (auto err = queue::set_queue_part(meta, key, value, "inject"); !err.empty())
      return done(unexpected(AdminError{400, err}));
  // Headers name the parts too (X-Tenant...); the request's fields win.
  struct Pending {
    admin::InjectResult result;
    std::size_t outstanding = 0;
    std::function<void(admin::AdminResult<admin::InjectResult>)> done;
    void finish_one(std::size_t i, const std::string& rcpt, const Expected<std::string>& qid) {
      if (qid) {
        result.success_count++;
        result.ids[i] = *qid;
      } else {
        result.failed_recipients.push_back(rcpt);
        result.errors.push_back(qid.error());
      }
      if (--outstanding > 0) return;
      std::erase(result.ids, std::string());
      done(std::move(result));
    }
  };
  auto pending = std::make_shared<Pending>();
  pending->outstanding = request.recipients.size();
  pending->result.ids.resize(request.recipients.size());
  pending->done = std::move(done);
  for (std::size_t i = 0; i < request.recipients.size(); ++i) {
    Submission s;
    s.sender = request.envelope_sender;
    s.recipients = {request.recipients[i]};
    s.data = std::move(request.contents[i]);
    s.peer_address = "127.0.0.1";
    s.with = "HTTP";
    if (auto err = d_.inbound.queue_parts_from_headers(s.data, s.meta); !err.empty()) {
      pending->finish_one(i, request.recipients[i], unexpected(err));
      continue;
    }
    for (const auto& [k, v] : meta) s.meta[k] = v;
    d_.inbound.submit(std::move(s), [pending, i, rcpt = request.recipients[i]](Expected<std::string> qid) {
      pending->finish_one(i, rcpt, qid);
    });
  }
}

}  // namespace mxlab::core
