// Session and transaction recording (see recorder.hpp). Lines read while a message arrives
// (between 354 and the final dot) are counted, not copied: the transaction keeps the data.
#include "sim/fake_mx/recorder.hpp"

#include "sim/fake_mx/behaviour.hpp"

#include <boost/json.hpp>

namespace mxlab::fakemx {

namespace json = boost::json;

namespace {
constexpr std::size_t kMaxLine = 512;  // transcript lines longer than this are cut

std::string cut(std::string_view line) {
  if (line.size() <= kMaxLine) return std::string(line);
  return std::string(line.substr(0, kMaxLine)) + "...(" + std::to_string(line.size()) + " bytes)";
}
}  // namespace

std::size_t Recorder::session(const trace::TraceEvent& e) {
  auto [it, inserted] = index_.try_emplace(e.session_id, sessions_.size());
  if (!inserted) return it->second;
  RecordedSession s;
  s.id = e.session_id;
  s.host = host_;
  s.peer = e.peer;
  s.local = e.local;
  s.started = SystemClock::instance().now();
  sessions_.push_back(std::move(s));
  live_.emplace_back();
  return it->second;
}

// Frames `buf`, which starts at a line start, into transcript lines. Message content (after a
// 354) is not split line by line: one search for the final CRLF.CRLF, and a count of the bytes
// before it. Returns how much it used: everything up to the last, incomplete line.
std::size_t Recorder::frame(RecordedSession& s, Live& l, std::string_view buf, TimePoint now) {
  std::size_t start = 0;  // always at the start of a line
  while (start < buf.size()) {
    if (l.in_data) {
      std::size_t end = std::string_view::npos;  // where the lone "." line starts
      if (buf.substr(start).starts_with(".\r\n")) {
        end = start;
      } else if (auto p = buf.find("\r\n.\r\n", start); p != std::string_view::npos) {
        end = p + 2;
      }
      if (end == std::string_view::npos) {  // count the complete lines, keep the partial one
        auto last = buf.rfind("\r\n");
        if (last != std::string_view::npos && last + 2 > start) {
          l.data_bytes += last + 2 - start;
          start = last + 2;
        }
        break;
      }
      l.data_bytes += end - start;
      s.transcript.push_back({now, 'C', "<message: " + std::to_string(l.data_bytes) + " bytes>"});
      s.transcript.push_back({now, 'C', "."});
      l.in_data = false;
      l.data_bytes = 0;
      start = end + 3;
      continue;
    }
    auto eol = buf.find("\r\n", start);
    if (eol == std::string_view::npos) break;
    s.transcript.push_back({now, 'C', cut(buf.substr(start, eol - start))});
    start = eol + 2;
  }
  return start;
}

// Frames each read where it lies; only an incomplete last line is copied, to be finished by the
// next read (a message body is never copied whole).
void Recorder::read_lines(RecordedSession& s, std::size_t pos, std::string_view bytes, TimePoint now) {
  Live& l = live_[pos];
  std::string& held = l.pending;
  if (!held.empty()) {  // finish the held line: through the new bytes' first LF
    auto lf = bytes.find('\n');
    std::size_t head = lf == std::string_view::npos ? bytes.size() : lf + 1;
    held.append(bytes.substr(0, head));
    bytes.remove_prefix(head);
    held.erase(0, frame(s, l, held, now));
    if (!held.empty()) {  // that LF did not end a CRLF line: go on collecting
      held.append(bytes);
      held.erase(0, frame(s, l, held, now));
      if (held.size() > 65536) held.clear();  // BDAT payload or garbage without line ends
      return;
    }
  }
  held.assign(bytes.substr(frame(s, l, bytes, now)));
  if (held.size() > 65536) held.clear();
}

void Recorder::publish(trace::TraceEvent e) {
  const TimePoint now = SystemClock::instance().now();
  std::lock_guard lock(mu_);
  if (level() == RecordingLevel::Counts) {  // only closes arrive: count them, keep nothing
    if (e.kind == trace::EventKind::Closed) ++closed_, cv_.notify_all();
    return;
  }
  const std::size_t pos = session(e);
  RecordedSession& s = sessions_[pos];
  switch (e.kind) {
    case trace::EventKind::Connected: s.transcript.push_back({now, '*', "connect from " + e.peer}); break;
    case trace::EventKind::Closed:
      if (!s.closed) {
        s.closed = true;
        s.ended = now;
        s.transcript.push_back({now, '*', "closed"});
        live_[pos] = Live{};
        std::string().swap(live_[pos].pending);  // assigning an empty string keeps the buffer
        ++closed_;
        cv_.notify_all();
      }
      break;
    case trace::EventKind::Write: {
      std::string_view w = e.payload;
      while (!w.empty()) {
        auto eol = w.find("\r\n");
        std::string_view line = w.substr(0, eol);
        s.transcript.push_back({now, 'S', cut(line)});
        if (line.starts_with("354")) {
          live_[pos].in_data = true;
          live_[pos].data_bytes = 0;
        }
        w = eol == std::string_view::npos ? std::string_view() : w.substr(eol + 2);
      }
      break;
    }
    case trace::EventKind::Read: read_lines(s, pos, e.payload, now); break;
    default:
      if (!e.payload.empty()) s.transcript.push_back({now, '*', cut(e.payload)});
      break;
  }
}

void Recorder::note_decision(const server::StageContext& ctx, const server::Action& action) {
  if (!ctx.session || level() == RecordingLevel::Counts) return;
  const TimePoint now = SystemClock::instance().now();
  std::lock_guard lock(mu_);
  auto known = index_.find(ctx.session->session_id);
  std::size_t pos = 0;
  if (known != index_.end()) {
    pos = known->second;
  } else {  // the session's first decision, before any traced event
    trace::TraceEvent e;
    e.session_id = ctx.session->session_id;
    e.peer = ctx.session->peer_address + ":" + std::to_string(ctx.session->peer_port);
    e.local = ctx.session->local_address + ":" + std::to_string(ctx.session->local_port);
    pos = session(e);
  }
  RecordedSession& s = sessions_[pos];
  if (ctx.stage == server::Stage::Ehlo || ctx.stage == server::Stage::Helo) s.helo = ctx.argument;
  if (s.tls != ctx.session->tls || s.tls_cipher != ctx.session->tls_cipher) {
    s.tls = ctx.session->tls;
    s.tls_version = ctx.session->tls_version;
    s.tls_cipher = ctx.session->tls_cipher;
  }
  if (ctx.session->authenticated && !s.authenticated) {
    s.authenticated = true;
    s.auth_user = ctx.session->auth_user;
  }
  if (action.kind != server::Action::Kind::Proceed || action.delay.count() > 0) {
    std::string what = "rule at " + std::string(server::to_string(ctx.stage)) + ": " +
                       std::string(action_kind_name(action.kind));
    if (action.reply.code) what += " " + action.reply.summary();
    if (action.delay.count() > 0) what += " after " + std::to_string(action.delay.count()) + "ms";
    s.transcript.push_back({now, '*', std::move(what)});
  }
}

void Recorder::add_transaction(RecordedTransaction tx) {
  const RecordingLevel keep = level();
  if (keep != RecordingLevel::Full) std::string().swap(tx.data);
  else tx.data.shrink_to_fit();  // kept for the run: its exact size, not the receive buffer's growth
  std::lock_guard lock(mu_);
  ++accepted_;
  if (keep != RecordingLevel::Counts) {
    if (auto it = index_.find(tx.session_id); it != index_.end()) ++sessions_[it->second].transactions;
    transactions_.push_back(std::move(tx));
  }
  cv_.notify_all();
}

void Recorder::add_refused(RecordedTransaction tx) {
  const RecordingLevel keep = level();
  if (keep == RecordingLevel::Counts) return;
  if (keep != RecordingLevel::Full) std::string().swap(tx.data);
  std::lock_guard lock(mu_);
  refused_.push_back(std::move(tx));
  cv_.notify_all();
}

std::vector<RecordedTransaction> Recorder::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

std::vector<RecordedSession> Recorder::sessions() const {
  std::lock_guard lock(mu_);
  return sessions_;
}

std::vector<RecordedTransaction> Recorder::transactions() const {
  std::lock_guard lock(mu_);
  return transactions_;
}

std::size_t Recorder::transaction_count() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

std::size_t Recorder::wait_for_transactions(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return accepted_ >= n; });
  return accepted_;
}

std::size_t Recorder::wait_for_sessions(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ >= n; });
  return closed_;
}

void Recorder::reset() {
  std::lock_guard lock(mu_);
  sessions_.clear();
  index_.clear();
  live_.clear();
  transactions_.clear();
  refused_.clear();
  accepted_ = 0;
  closed_ = 0;
}

std::string Recorder::json() const {
  std::lock_guard lock(mu_);
  json::array sessions;
  for (const auto& s : sessions_) {
    json::array transcript;
    for (const auto& l : s.transcript)
      transcript.push_back(json::object{{"at", format_rfc3339(l.at)}, {"dir", std::string(1, l.direction)},
                                        {"line", l.text}});
    json::object o{{"id", s.id}, {"peer", s.peer}, {"local", s.local}, {"helo", s.helo},
                   {"started", format_rfc3339(s.started)}, {"transactions", s.transactions},
                   {"closed", s.closed}, {"transcript", std::move(transcript)}};
    if (s.closed) o["ended"] = format_rfc3339(s.ended);
    if (s.tls) o["tls"] = json::object{{"version", s.tls_version}, {"cipher", s.tls_cipher}};
    if (s.authenticated) o["auth_user"] = s.auth_user;
    sessions.push_back(std::move(o));
  }
  auto transactions = [](const std::vector<RecordedTransaction>& list) {
    json::array txs;
    for (const auto& t : list) {
      json::array rcpts;
      for (const auto& r : t.rcpt_to) rcpts.push_back(json::string(r));
      json::object o{{"session", t.session_id}, {"client_address", t.client_address}, {"helo", t.helo},
                     {"mail_from", t.mail_from}, {"rcpt_to", std::move(rcpts)}, {"data", t.data},
                     {"size", t.size}, {"received", format_rfc3339(t.received)}, {"reply", t.reply}};
      if (t.tls) o["tls"] = json::object{{"version", t.tls_version}, {"cipher", t.tls_cipher}};
      if (t.authenticated) o["auth_user"] = t.auth_user;
      txs.push_back(std::move(o));
    }
    return txs;
  };
  return json::serialize(json::object{{"host", host_}, {"recording", to_string(level())},
                                      {"accepted", accepted_}, {"closed_sessions", closed_},
                                      {"sessions", std::move(sessions)},
                                      {"transactions", transactions(transactions_)},
                                      {"refused", transactions(refused_)}});
}

}  // namespace mxlab::fakemx
