// Live session endpoints (seed 004): GET sessions (one row per open inbound or outbound SMTP
// session), GET session-stats (per-direction counters since the last clear), POST clear-stats,
// GET session-log (the bounded log of recent session events, ?limit=N newest); smtpctl's
// show-hosts and show-routes (outbound connections per MX address / per source and address);
// KumoMTA's inspect-ready-q and abort-ready-q-conn over the outbound rows of one ready queue.
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <optional>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"
#include "mta/common/session_table.hpp"
#include "mta/queue/queue_names.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {

double seconds_between(TimePoint from, TimePoint to) { return std::chrono::duration<double>(to - from).count(); }

json::object row_json(const SessionRow& r, TimePoint now) {
  json::object o;
  o["channel"] = r.channel;
  o["direction"] = to_string(r.direction);
  o["session_id"] = r.session_id;
  o["local"] = r.local;
  o["peer"] = r.peer;
  o["state"] = r.state;
  o["tls"] = r.tls.empty() ? json::value(nullptr) : json::value(r.tls);
  o["sender"] = r.sender;
  o["recipients"] = r.recipients;
  o["message_id"] = r.message_id;
  o["mx_host"] = r.mx_host;
  o["ready_queue"] = r.direction == SessionDirection::Outbound && !r.site.empty()
                         ? json::value(queue::ready_queue_name(queue::kDefaultEgressSource, r.site))
                         : json::value(nullptr);
  o["messages"] = r.messages;
  o["started"] = format_rfc3339(r.started);
  o["age"] = seconds_between(r.started, now);
  o["state_age"] = seconds_between(r.state_since, now);
  return o;
}

json::object counters_json(const SessionCounters& c) {
  json::object o;
  for (std::size_t i = 0; i < kSessionCounterCount; ++i) o[to_string(static_cast<SessionCounter>(i))] = c.values[i];
  return o;
}

json::object stats_json(const SessionStats& s, TimePoint now) {
  json::object o;
  o["cleared_at"] = format_rfc3339(s.cleared_at);
  o["cleared_ago"] = seconds_between(s.cleared_at, now);
  o["inbound"] = counters_json(s.inbound);
  o["outbound"] = counters_json(s.outbound);
  return o;
}

Response unavailable() { return error_response(501, "this server keeps no session table"); }

json::object route_json(const RouteStats& r) {
  json::object o;
  o["source"] = r.source;
  o["address"] = r.address;
  o["name"] = r.name;
  o["nconn"] = r.nconn;
  o["connections"] = r.connections;
  o["errors"] = r.errors;
  o["last_connect"] = r.connections ? json::value(format_rfc3339(r.last_connect)) : json::value(nullptr);
  o["last_error"] = r.last_error.empty() ? json::value(nullptr) : json::value(r.last_error);
  return o;
}

// show-hosts: the routes summed per MX address.
json::array hosts_json(const std::vector<RouteStats>& routes) {
  std::map<std::string, RouteStats> by_address;
  for (const auto& r : routes) {
    RouteStats& h = by_address[r.address];
    h.address = r.address;
    if (!r.name.empty()) h.name = r.name;
    h.nconn += r.nconn;
    h.connections += r.connections;
    h.errors += r.errors;
    if (r.last_connect >= h.last_connect) {
      h.last_connect = r.last_connect;
      if (!r.last_error.empty()) h.last_error = r.last_error;
    }
  }
  json::array out;
  for (const auto& [address, h] : by_address) {
    auto o = route_json(h);
    o.erase("source");
    out.push_back(std::move(o));
  }
  return out;
}

// KumoMTA's dispatcher phases, from the SMTP state of an outbound row.
std::string_view kumo_phase(const std::string& state) {
  if (state == "CONNECTING") return "AttemptingConnection";
  if (state == "QUIT") return "Closing";
  return "DeliveringMessage";
}

bool in_ready_queue(const SessionRow& r, const std::string& name) {
  return r.direction == SessionDirection::Outbound && !r.site.empty() &&
         queue::ready_queue_name(queue::kDefaultEgressSource, r.site) == name;
}

std::optional<std::string> ready_queue_param(const Request& r, std::string& error) {
  auto it = r.query.find("queue_name");
  if (it == r.query.end() || it->second.empty()) {
    error = "queue_name is required";
    return std::nullopt;
  }
  if (it->second.find("->") == std::string::npos || !it->second.ends_with("@smtp_client")) {
    error = "'" + it->second + "' is not a ready queue name (source->site@smtp_client)";
    return std::nullopt;
  }
  return it->second;
}

Response inspect_ready_q(SessionTable& t, const Request& req) {
  std::string error;
  auto name = ready_queue_param(req, error);
  if (!name) return error_response(400, error);
  TimePoint now = t.now();
  json::array connections;
  std::string site;
  for (const auto& r : t.rows()) {
    if (!in_ready_queue(r, *name)) continue;
    site = r.site;
    auto o = row_json(r, now);
    o["phase"] = kumo_phase(r.state);
    connections.push_back(std::move(o));
  }
  json::object state;
  state["connection_count"] = connections.size();
  json::object o;
  o["queue_name"] = *name;
  o["egress_source"] = queue::kDefaultEgressSource;
  o["site"] = site;
  o["state"] = std::move(state);
  o["connections"] = std::move(connections);
  return json_response(200, json::serialize(o));
}

// POST {queue_name, session_id}: session_id is the row's session_id (an outbound row's is its channel).
Response abort_ready_q_conn(SessionTable& t, const Request& req) {
  auto body = parse_body(req);
  if (!body) return body.error();
  auto name = string_field(*body, "queue_name");
  auto id = string_field(*body, "session_id");
  if (!name || !id || name->empty() || id->empty()) return error_response(400, "queue_name and session_id are required");
  for (const auto& r : t.rows()) {
    if (r.session_id != *id || !in_ready_queue(r, *name)) continue;
    if (!t.abort(r.channel, "abort-ready-q-conn")) break;
    return json_response(200, json::serialize(json::object{{"queue_name", *name}, {"session_id", *id}, {"aborted", true}}));
  }
  return error_response(404, "no open connection " + *id + " in ready queue " + *name);
}

// ?limit=N: digits only, 0 = everything retained.
std::optional<std::size_t> limit_of(const Request& r) {
  auto it = r.query.find("limit");
  if (it == r.query.end()) return 0;
  std::size_t n = 0;
  const auto& v = it->second;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

}  // namespace

void add_session_routes(Router& router, AdminBackend& b) {
  router.add(Method::Get, "/api/admin/sessions/v1", [&b](const Request&) {
    SessionTable* t = b.sessions();
    if (!t) return unavailable();
    json::array out;
    TimePoint now = t->now();
    for (const auto& r : t->rows()) out.push_back(row_json(r, now));
    return json_response(200, json::serialize(out));
  });
  router.add(Method::Get, "/api/admin/session-stats/v1", [&b](const Request&) {
    SessionTable* t = b.sessions();
    if (!t) return unavailable();
    return json_response(200, json::serialize(stats_json(t->stats(), t->now())));
  });
  router.add(Method::Post, "/api/admin/clear-stats/v1", [&b](const Request&) {
    SessionTable* t = b.sessions();
    if (!t) return unavailable();
    json::object o;
    TimePoint now = t->now();
    o["before"] = stats_json(t->clear_stats(), now);
    o["after"] = stats_json(t->stats(), now);
    return json_response(200, json::serialize(o));
  });
  router.add(Method::Get, "/api/admin/show-routes/v1", [&b](const Request&) {
    SessionTable* t = b.sessions();
    if (!t) return unavailable();
    json::array out;
    for (const auto& r : t->routes()) out.push_back(route_json(r));
    return json_response(200, json::serialize(out));
  });
  router.add(Method::Get, "/api/admin/show-hosts/v1", [&b](const Request&) {
    SessionTable* t = b.sessions();
    if (!t) return unavailable();
    return json_response(200, json::serialize(hosts_json(t->routes())));
  });
  router.add(Method::Get, "/api/admin/inspect-ready-q/v1", [&b](const Request& r) {
    SessionTable* t = b.sessions();
    return t ? inspect_ready_q(*t, r) : unavailable();
  });
  router.add(Method::Post, "/api/admin/abort-ready-q-conn/v1", [&b](const Request& r) {
    SessionTable* t = b.sessions();
    return t ? abort_ready_q_conn(*t, r) : unavailable();
  });
  router.add(Method::Get, "/api/admin/session-log/v1", [&b](const Request& r) {
    SessionTable* t = b.sessions();
    if (!t) return unavailable();
    auto limit = limit_of(r);
    if (!limit) return error_response(400, "limit must be a non-negative integer");
    json::array out;
    for (const auto& e : t->events(*limit)) {
      json::object o;
      o["time"] = format_rfc3339(e.when);
      o["direction"] = to_string(e.direction);
      o["channel"] = e.channel;
      o["session_id"] = e.session_id;
      o["event"] = e.text;
      out.push_back(std::move(o));
    }
    return json_response(200, json::serialize(out));
  });
}

}  // namespace mxlab::admin
