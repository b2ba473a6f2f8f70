// The live SMTP session table (seed 004's "d de smtp"): one row per open inbound or outbound
// session with its addresses, SMTP state, TLS and current message, per-direction counters since
// the last clear, and a bounded log of recent session events. Thread-safe; the server and the
// delivery client update it through a SessionHandle, the admin API reads snapshots.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/clock.hpp"

namespace mxlab {

enum class SessionDirection { Inbound, Outbound };
std::string_view to_string(SessionDirection d);  // "in", "out"

struct SessionRow {
  std::uint64_t channel = 0;  // table-assigned, stable for the session's life
  SessionDirection direction = SessionDirection::Inbound;
  std::string session_id;
  std::string local;  // "127.0.0.1:2525"; empty while an outbound session connects
  std::string peer;
  // Inbound: WAITHELO, WAITMAIL, WAITRCPT, RCPT, DATA. Outbound: CONNECTING, BANNER, EHLO,
  // STARTTLS, MAIL, RCPT, DATA, TEXT, EOT, IDLE (parked for reuse), QUIT.
  std::string state;
  std::string tls;  // protocol version once TLS is up ("TLSv1.3"), else empty
  std::string message_id;  // outbound: the message being delivered
  std::string mx_host;     // outbound: the MX host name of `peer`
  std::string site;        // outbound: the destination's MX host set (the ready queue's site)
  std::string sender;      // the transaction's reverse-path, once known
  std::size_t recipients = 0;
  std::uint64_t messages = 0;  // transactions completed in this session
  TimePoint started{};
  TimePoint state_since{};
};

// Counters of one direction since the last clear (seed 004's CALL-SUCC / EXT-SUCC / DENIED-IP).
// Inbound: accepted = messages taken (2xx to end of data), refused = transactions refused at
// end of data; outbound: delivered = 2xx to end of data, failed = any other transaction outcome.
enum class SessionCounter {
  ConnectionsOk,
  ConnectionsFailed,
  MessagesAccepted,
  MessagesRefused,
  MessagesDelivered,
  MessagesFailed,
  DeniedPeers,
};
inline constexpr std::size_t kSessionCounterCount = 7;
std::string_view to_string(SessionCounter c);  // "connections_ok", ...

struct SessionCounters {
  std::uint64_t values[kSessionCounterCount] = {};
  std::uint64_t operator[](SessionCounter c) const { return values[static_cast<std::size_t>(c)]; }
};

struct SessionStats {
  TimePoint cleared_at{};
  SessionCounters inbound, outbound;
};

// Outbound connections per (source address, MX address): smtpctl's show routes; show hosts sums
// them per MX address. `nconn` is open now; `errors` counts failed connections and transactions.
struct RouteStats {
  std::string source;   // local address ("" when the connection never got one)
  std::string address;  // MX address
  std::string name;     // MX host name
  std::uint64_t nconn = 0, connections = 0, errors = 0;
  TimePoint last_connect{};
  std::string last_error;
};

struct SessionEvent {
  TimePoint when{};
  SessionDirection direction = SessionDirection::Inbound;
  std::uint64_t channel = 0;
  std::string session_id;
  std::string text;
};

class SessionTable;

// One session's row, removed when the handle is destroyed. A default handle (no table) ignores
// every call, so code paths without a table need no checks.
class SessionHandle {
 public:
  SessionHandle() = default;
  SessionHandle(SessionTable* table, std::uint64_t channel) : table_(table), channel_(channel) {}
  SessionHandle(SessionHandle&& o) noexcept : table_(o.table_), channel_(o.channel_) { o.table_ = nullptr; }
  SessionHandle& operator=(SessionHandle&& o) noexcept;
  SessionHandle(const SessionHandle&) = delete;
  SessionHandle& operator=(const SessionHandle&) = delete;
  ~SessionHandle() { close(); }

  void set_state(std::string_view state);  // also notes the change in the session log
  void set_addresses(std::string local, std::string peer);
  void set_tls(std::string version);
  void set_transaction(std::string sender, std::size_t recipients, std::string message_id = {});
  void set_route(std::string mx_host, std::string site);
  // How to abort this session (abort-ready-q-conn); called on the thread that calls
  // SessionTable::abort, which must be the session's own (mtad: the io thread).
  void set_abort(std::function<void()> abort);
  void message_done();  // one more completed transaction; clears the transaction fields
  // `detail` (a failure's reason) becomes the route's last error for outbound failures.
  void count(SessionCounter c, std::string_view detail = {});
  void note(std::string text);  // a line in the session log
  void close();
  std::uint64_t channel() const { return channel_; }
  explicit operator bool() const { return table_ != nullptr; }  // false: a no-op handle (no table)

 private:
  SessionTable* table_ = nullptr;
  std::uint64_t channel_ = 0;
};

class SessionTable {
 public:
  explicit SessionTable(std::size_t log_capacity = 1000, const Clock& clock = SystemClock::instance());

  SessionHandle open(SessionDirection direction, std::string session_id, std::string local, std::string peer,
                     std::string state);
  std::vector<SessionRow> rows() const;  // by channel
  SessionStats stats() const;
  SessionStats clear_stats();  // returns the counters as they were
  // The most recent `limit` events, oldest first (0 = all retained).
  std::vector<SessionEvent> events(std::size_t limit = 0) const;
  void count(SessionDirection direction, SessionCounter c);
  std::vector<RouteStats> routes() const;  // by source, then address
  // Aborts an open session by channel; false when there is none or it cannot be aborted.
  bool abort(std::uint64_t channel, std::string_view reason);
  TimePoint now() const { return clock_.now(); }

 private:
  friend class SessionHandle;
  struct Entry {
    SessionRow row;
    std::function<void()> abort;
    RouteStats* route = nullptr;  // outbound, once connected or failed
    bool connected = false;
  };
  template <class F>
  void update(std::uint64_t channel, F f);
  void log_locked(const SessionRow& row, std::string text);
  RouteStats& route_locked(const SessionRow& row);
  void remove(std::uint64_t channel);

  const Clock& clock_;
  const std::size_t log_capacity_;
  mutable std::mutex mu_;
  std::uint64_t next_channel_ = 0;
  std::map<std::uint64_t, Entry> rows_;
  std::map<std::pair<std::string, std::string>, RouteStats> routes_;
  SessionStats stats_;
  std::deque<SessionEvent> log_;
};

}  // namespace mxlab
