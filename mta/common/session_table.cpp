// SessionTable and SessionHandle (see session_table.hpp). One mutex guards rows, counters,
// routes and the event ring; updates are a map lookup and a few string copies.
#include "mta/common/session_table.hpp"

#include <algorithm>

namespace mxlab {

namespace {
// "127.0.0.1:25" -> "127.0.0.1"; "[::1]:25" and "::1:25" keep everything before the last colon.
std::string host_of(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  return colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
}
}  // namespace

std::string_view to_string(SessionDirection d) { return d == SessionDirection::Inbound ? "in" : "out"; }

std::string_view to_string(SessionCounter c) {
  switch (c) {
    case SessionCounter::ConnectionsOk: return "connections_ok";
    case SessionCounter::ConnectionsFailed: return "connections_failed";
    case SessionCounter::MessagesAccepted: return "messages_accepted";
    case SessionCounter::MessagesRefused: return "messages_refused";
    case SessionCounter::MessagesDelivered: return "messages_delivered";
    case SessionCounter::MessagesFailed: return "messages_failed";
    case SessionCounter::DeniedPeers: return "denied_peers";
  }
  return "?";
}

SessionHandle& SessionHandle::operator=(SessionHandle&& o) noexcept {
  if (this != &o) {
    close();
    table_ = o.table_;
    channel_ = o.channel_;
    o.table_ = nullptr;
  }
  return *this;
}

void SessionHandle::set_state(std::string_view state) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable& t) {
    if (e.row.state == state) return;
    e.row.state = std::string(state);
    e.row.state_since = t.clock_.now();
    t.log_locked(e.row, "state " + e.row.state);
  });
}

void SessionHandle::set_addresses(std::string local, std::string peer) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable&) {
    e.row.local = std::move(local);
    e.row.peer = std::move(peer);
  });
}

void SessionHandle::set_tls(std::string version) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable& t) {
    e.row.tls = std::move(version);
    t.log_locked(e.row, "TLS established: " + e.row.tls);
  });
}

void SessionHandle::set_transaction(std::string sender, std::size_t recipients, std::string message_id) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable&) {
    e.row.sender = std::move(sender);
    e.row.recipients = recipients;
    e.row.message_id = std::move(message_id);
  });
}

void SessionHandle::set_route(std::string mx_host, std::string site) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable&) {
    e.row.mx_host = std::move(mx_host);
    e.row.site = std::move(site);
  });
}

void SessionHandle::set_abort(std::function<void()> abort) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable&) { e.abort = std::move(abort); });
}

void SessionHandle::message_done() {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable&) {
    ++e.row.messages;
    e.row.sender.clear();
    e.row.recipients = 0;
    e.row.message_id.clear();
  });
}

void SessionHandle::count(SessionCounter c, std::string_view detail) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable& t) {
    auto& counters = e.row.direction == SessionDirection::Inbound ? t.stats_.inbound : t.stats_.outbound;
    ++counters.values[static_cast<std::size_t>(c)];
    if (e.row.direction != SessionDirection::Outbound) return;
    bool failed = c == SessionCounter::ConnectionsFailed || c == SessionCounter::MessagesFailed;
    if (c != SessionCounter::ConnectionsOk && !failed) return;
    if (!e.route) e.route = &t.route_locked(e.row);
    RouteStats& r = *e.route;
    if (c == SessionCounter::ConnectionsOk || c == SessionCounter::ConnectionsFailed) {
      ++r.connections;
      r.last_connect = t.clock_.now();
    }
    if (c == SessionCounter::ConnectionsOk) {
      ++r.nconn;
      e.connected = true;
    }
    if (failed) {
      ++r.errors;
      if (!detail.empty()) r.last_error = std::string(detail);
    }
  });
}

void SessionHandle::note(std::string text) {
  if (!table_) return;
  table_->update(channel_, [&](auto& e, SessionTable& t) { t.log_locked(e.row, std::move(text)); });
}

void SessionHandle::close() {
  if (!table_) return;
  table_->remove(channel_);
  table_ = nullptr;
}

SessionTable::SessionTable(std::size_t log_capacity, const Clock& clock) : clock_(clock), log_capacity_(log_capacity) {
  stats_.cleared_at = clock_.now();
}

template <class F>
void SessionTable::update(std::uint64_t channel, F f) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(channel);
  if (it != rows_.end()) f(it->second, *this);
}

void SessionTable::log_locked(const SessionRow& row, std::string text) {
  if (log_capacity_ == 0) return;
  if (log_.size() >= log_capacity_) log_.pop_front();
  log_.push_back({clock_.now(), row.direction, row.channel, row.session_id, std::move(text)});
}

RouteStats& SessionTable::route_locked(const SessionRow& row) {
  std::string source = row.local.empty() ? std::string() : host_of(row.local);
  std::string address = host_of(row.peer);
  RouteStats& r = routes_[{source, address}];
  r.source = std::move(source);
  r.address = std::move(address);
  if (!row.mx_host.empty()) r.name = row.mx_host;
  return r;
}

SessionHandle SessionTable::open(SessionDirection direction, std::string session_id, std::string local,
                                 std::string peer, std::string state) {
  std::lock_guard lock(mu_);
  std::uint64_t channel = next_channel_++;
  SessionRow& r = rows_[channel].row;
  r.channel = channel;
  r.direction = direction;
  r.session_id = session_id.empty() ? std::to_string(channel) : std::move(session_id);
  r.local = std::move(local);
  r.peer = std::move(peer);
  r.state = std::move(state);
  r.started = r.state_since = clock_.now();
  log_locked(r, (direction == SessionDirection::Inbound ? "session from " : "session to ") + r.peer + ", state " +
                    r.state);
  return SessionHandle(this, channel);
}

void SessionTable::remove(std::uint64_t channel) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(channel);
  if (it == rows_.end()) return;
  const Entry& e = it->second;
  if (e.connected && e.route && e.route->nconn > 0) --e.route->nconn;
  log_locked(e.row, "session closed after " + std::to_string(e.row.messages) + " message(s)");
  rows_.erase(it);
}

bool SessionTable::abort(std::uint64_t channel, std::string_view reason) {
  std::function<void()> f;
  {
    std::lock_guard lock(mu_);
    auto it = rows_.find(channel);
    if (it == rows_.end() || !it->second.abort) return false;
    f = it->second.abort;
    log_locked(it->second.row, "aborted by the operator: " + std::string(reason));
  }
  f();  // outside the lock: the session's teardown updates the table
  return true;
}

std::vector<SessionRow> SessionTable::rows() const {
  std::lock_guard lock(mu_);
  std::vector<SessionRow> out;
  out.reserve(rows_.size());
  for (const auto& [channel, e] : rows_) out.push_back(e.row);
  return out;
}

std::vector<RouteStats> SessionTable::routes() const {
  std::lock_guard lock(mu_);
  std::vector<RouteStats> out;
  out.reserve(routes_.size());
  for (const auto& [key, r] : routes_) out.push_back(r);
  return out;
}

SessionStats SessionTable::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

SessionStats SessionTable::clear_stats() {
  std::lock_guard lock(mu_);
  SessionStats before = stats_;
  stats_ = SessionStats{};
  stats_.cleared_at = clock_.now();
  return before;
}

std::vector<SessionEvent> SessionTable::events(std::size_t limit) const {
  std::lock_guard lock(mu_);
  std::size_t n = limit == 0 ? log_.size() : std::min(limit, log_.size());
  return std::vector<SessionEvent>(log_.end() - static_cast<std::ptrdiff_t>(n), log_.end());
}

void SessionTable::count(SessionDirection direction, SessionCounter c) {
  std::lock_guard lock(mu_);
  auto& counters = direction == SessionDirection::Inbound ? stats_.inbound : stats_.outbound;
  ++counters.values[static_cast<std::size_t>(c)];
}

}  // namespace mxlab
