// Queue views and actions: inspect-message and inspect-sched-q (KumoMTA), show-queue
// (smtpctl show queue / postqueue -j), schedule (retry now) and remove (smtpctl). Message
// bodies are read from the spool off the io thread, so the inspect routes answer asynchronously.
#include <boost/json.hpp>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {
bool flag(const Request& r, std::string_view key) {
  auto it = r.query.find(key);
  return it != r.query.end() && (it->second == "true" || it->second == "1" || it->second.empty());
}

std::optional<std::string> query(const Request& r, std::string_view key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? std::nullopt : std::optional<std::string>(it->second);
}

void inspect_message(AdminBackend& b, const Request& req, Reply reply) {
  auto id = query(req, "id");
  if (!id || id->empty()) return reply(error_response(400, "id is required"));
  auto m = b.message(*id);
  if (!m) return reply(error_response(m.error().status, m.error().reason));
  if (!flag(req, "want_body")) return reply(json_response(200, json::serialize(inspect_json(*m))));
  std::vector<queue::MessageView> one{std::move(*m)};
  b.load_bodies(std::move(one), [reply](std::vector<queue::MessageView> views) {
    reply(json_response(200, json::serialize(inspect_json(views.at(0)))));
  });
}

void inspect_sched_q(AdminBackend& b, const Request& req, Reply reply) {
  auto name = query(req, "queue_name");
  if (!name || name->empty()) return reply(error_response(400, "queue_name is required"));
  std::size_t limit = 5;  // KumoMTA's kcli default
  if (auto l = query(req, "limit")) {
    try {
      limit = std::stoul(*l);
    } catch (const std::exception&) {
      return reply(error_response(400, "limit must be a number"));
    }
  }
  if (flag(req, "no_limit")) limit = SIZE_MAX;
  std::vector<queue::MessageView> matching;
  std::size_t total = 0;
  for (auto& m : b.messages()) {
    std::erase_if(m.envelopes, [&](const queue::EnvelopeView& e) { return e.queue != *name; });
    if (m.envelopes.empty()) continue;
    ++total;
    if (matching.size() < limit) matching.push_back(std::move(m));
  }
  auto render = [name = *name, total](const std::vector<queue::MessageView>& views) {
    json::object o;
    o["queue_name"] = valid_utf8(name);  // the name as asked, which need not be UTF-8
    o["num_scheduled"] = total;
    json::array msgs;
    for (const auto& m : views) msgs.push_back(inspect_json(m));
    o["messages"] = std::move(msgs);
    return json_response(200, json::serialize(o));
  };
  if (!flag(req, "want_body")) return reply(render(matching));
  b.load_bodies(std::move(matching), [reply, render](std::vector<queue::MessageView> views) { reply(render(views)); });
}

Response show_queue(AdminBackend& b) {
  TimePoint now = b.now();
  json::array out;
  for (const auto& m : b.messages()) out.push_back(queue_entry_json(m, now));
  return json_response(200, json::serialize(out));
}

// POST {id: "all" | message id | envelope id} -> {<verb>: n}
Response act(AdminBackend& b, const Request& req, const char* verb,
             AdminResult<std::size_t> (AdminBackend::*op)(const std::string&)) {
  auto body = parse_body(req);
  if (!body) return body.error();
  auto id = string_field(*body, "id");
  if (!id || id->empty()) return error_response(400, "id is required: \"all\", a message id or an envelope id");
  auto n = (b.*op)(*id);
  if (!n) return error_response(n.error().status, n.error().reason);
  return json_response(200, json::serialize(json::object{{verb, *n}}));
}
}  // namespace

void add_queue_routes(Router& router, AdminBackend& b) {
  router.add_async(Method::Get, "/api/admin/inspect-message/v1",
                   [&b](const Request& r, Reply reply) { inspect_message(b, r, std::move(reply)); });
  router.add_async(Method::Get, "/api/admin/inspect-sched-q/v1",
                   [&b](const Request& r, Reply reply) { inspect_sched_q(b, r, std::move(reply)); });
  router.add(Method::Get, "/api/admin/show-queue/v1", [&b](const Request&) { return show_queue(b); });
  router.add(Method::Post, "/api/admin/schedule/v1",
             [&b](const Request& r) { return act(b, r, "scheduled", &AdminBackend::schedule); });
  router.add(Method::Post, "/api/admin/remove/v1",
             [&b](const Request& r) { return act(b, r, "removed", &AdminBackend::remove); });
}

}  // namespace mxlab::admin
