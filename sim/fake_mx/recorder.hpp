// What a fake MX saw: every session (peer, EHLO name, TLS fields, a timestamped transcript of
// each line read and reply written, the rule decisions) and every completed transaction. Fed by
// the server engine's TraceSink seam and the policy's decision observer; thread-safe, queryable
// while the host runs and serialised as JSON (the `--record` file and the control API).
#pragma once
#include <atomic>
#include <condition_variable>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <mutex>
#include <string>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/server/session_policy.hpp"
#include "mta/trace/trace_sink.hpp"
#include "sim/fake_mx/recording_level.hpp"

namespace mxlab::fakemx {

struct TranscriptLine {
  TimePoint at{};
  char direction = 'C';  // 'C' client -> server, 'S' server -> client, '*' an event (connect, rule, close)
  std::string text;      // one line without CRLF; message content is summarised, not copied
};

struct RecordedSession {
  std::string id;
  std::string host;
  std::string peer;   // "127.0.0.1:40312"
  std::string local;  // "127.0.0.2:2525"
  std::string helo;
  bool tls = false;
  std::string tls_version, tls_cipher;
  bool authenticated = false;  // AUTH succeeded; auth_user is the name the client gave
  std::string auth_user;
  TimePoint started{}, ended{};
  bool closed = false;
  int transactions = 0;
  std::vector<TranscriptLine> transcript;
};

struct RecordedTransaction {
  std::string host;  // MxHostConfig::name
  std::string session_id;
  std::string client_address;
  std::string helo;
  std::string mail_from;
  std::vector<std::string> rcpt_to;  // accepted recipients only
  std::string data;                  // empty below RecordingLevel::Full
  std::size_t size = 0;              // of the data, at every level
  TimePoint received{};
  bool tls = false;
  std::string tls_version, tls_cipher;
  bool authenticated = false;
  std::string auth_user;
  std::string reply;  // what end-of-data was answered, "250 2.0.0 Ok: queued as ..." or the refusal
};

class Recorder final : public trace::TraceSink {
 public:
  explicit Recorder(std::string host) : host_(std::move(host)) {}
  bool enabled(trace::Direction d) const override { return d == trace::Direction::Server; }
  // The transcript needs bytes, connects, closes and diagnostics; decisions come from
  // note_decision. Below Full only connects and closes (Counts: closes) are taken.
  bool wants(trace::EventKind k) const override {
    switch (level()) {
      case RecordingLevel::Full: return k != trace::EventKind::Callback && k != trace::EventKind::MessageDisposition;
      case RecordingLevel::Envelopes: return k == trace::EventKind::Connected || k == trace::EventKind::Closed;
      case RecordingLevel::Counts: return k == trace::EventKind::Closed;
    }
    return false;
  }
  void set_level(RecordingLevel level) { level_.store(level, std::memory_order_relaxed); }
  RecordingLevel level() const { return level_.load(std::memory_order_relaxed); }
  bool wants_meta() const override { return false; }
  void publish(trace::TraceEvent event) override;
  // Called by the policy for each decision: EHLO name, TLS state, and rules that acted.
  void note_decision(const server::StageContext& ctx, const server::Action& action);
  void add_transaction(RecordedTransaction tx);
  void add_refused(RecordedTransaction tx);  // a transaction refused at end of data

  std::vector<RecordedSession> sessions() const;
  std::vector<RecordedTransaction> transactions() const;  // accepted ones
  std::vector<RecordedTransaction> refused() const;
  std::size_t transaction_count() const;
  std::size_t wait_for_transactions(std::size_t n, std::chrono::milliseconds timeout) const;
  std::size_t wait_for_sessions(std::size_t n, std::chrono::milliseconds timeout) const;  // closed ones
  void reset();

  // {"host": ..., "sessions": [...], "transactions": [...], "refused": [...]}; data as text
  // (invalid UTF-8 escaped).
  std::string json() const;

 private:
  std::size_t session(const trace::TraceEvent& e);  // mu_ held; position in sessions_ / live_
  struct Live;
  void read_lines(RecordedSession& s, std::size_t pos, std::string_view bytes, TimePoint now);  // mu_ held
  static std::size_t frame(RecordedSession& s, Live& l, std::string_view buf, TimePoint now);
  std::string host_;
  std::atomic<RecordingLevel> level_{RecordingLevel::Full};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<RecordedSession> sessions_;
  std::unordered_map<std::string, std::size_t> index_;  // session id -> position
  struct Live {            // per session, while it runs
    std::string pending;   // a partial line read
    bool in_data = false;  // between 354 and the final dot: count, do not copy
    std::size_t data_bytes = 0;
  };
  std::vector<Live> live_;  // parallel to sessions_
  std::vector<RecordedTransaction> transactions_;
  std::vector<RecordedTransaction> refused_;
  std::size_t accepted_ = 0;  // transactions_ holds them all at Full and Envelopes, none at Counts
  std::size_t closed_ = 0;
};

}  // namespace mxlab::fakemx
