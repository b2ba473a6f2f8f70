// What a scenario expects and how it is checked: where each recipient ends (delivered at a host,
// deferred with a code, bounced with a code and DSN status, expired, response text), log records
// of a type with fields, queue contents and what each fake MX received. Checks are pure: they
// take a snapshot of what happened (Observed) and return one readable difference per miss.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mta/core/mta.hpp"
#include "mta/log/log_record.hpp"
#include "sim/fake_mx/recorder.hpp"

namespace mxlab::config::yaml {
class Reader;
}

namespace mxlab::fakemx {

// `expect:` - where one recipient ends up. Exactly one of delivered_to / deferred / bounced /
// expired; the other fields narrow the final log record.
struct RecipientExpectation {
  std::string recipient;
  std::optional<std::string> delivered_to;  // host name that took it (Delivery record)
  std::optional<int> deferred;              // code of the last TransientFailure; still queued
  std::optional<int> bounced;               // code of the Bounce / AdminBounce record
  bool expired = false;                     // an Expiration record ends it
  std::optional<std::string> dsn_status;    // enhanced status of the final record, "5.1.1"
  std::string response;                     // substring of the final record's reply text
  std::vector<std::string> log;             // exact record types, e.g. [Reception, Delivery]
  int line = 0;
};

// `expect_log:` - how many delivery log records of a type carry these fields.
struct LogExpectation {
  std::string type;       // Reception, Delivery, TransientFailure, Bounce, Expiration, AdminBounce
  std::string recipient;  // empty = any
  std::optional<int> code;
  std::optional<std::string> dsn_status;
  std::string host;      // peer_address.name
  std::string response;  // substring of the reply text
  std::size_t count = 1;  // exactly this many (`min_count` makes it a floor)
  bool at_least = false;
  int line = 0;
};

// `expect_queue:` - envelopes still queued (pending, suspended, inflight) with these fields.
struct QueueExpectation {
  std::string recipient;  // empty = any
  std::string state;      // empty = any
  std::optional<int> attempts;
  std::string error;       // substring of the last error
  std::size_t count = 1;   // exactly this many envelopes; {count: 0} = nothing queued
  int line = 0;
};

// `expect_received:` - transactions a fake MX accepted.
struct ReceivedExpectation {
  std::string host;
  std::string recipient;                // empty = any; else among the accepted recipients
  std::optional<std::string> sender;    // exact MAIL FROM; "" for the null sender <>
  std::vector<std::string> contains;    // substrings of the message data
  std::vector<std::string> lacks;       // substrings that must not be in it
  std::optional<bool> tls;              // received over TLS (true) or in plaintext (false)
  std::size_t count = 1;                // exactly this many transactions
  int line = 0;
};

// `expect_trace:` - live trace events. `sequence` steps ("Write: STARTTLS", "Read: 454",
// "Diagnostic: connecting to mx2", or a bare kind "MessageObtained") must occur in this order,
// not necessarily adjacent, within one session of `direction` (client: delivery sessions, server:
// reception). `count`: exactly this many sessions show the sequence; absent: at least one.
struct TraceStep {
  std::string kind;       // Read, Write, Diagnostic, Connected, MessageObtained, ...
  std::string substring;  // of the event's payload; empty = any
};
struct TraceExpectation {
  std::string direction = "client";
  std::vector<TraceStep> sequence;
  std::optional<std::size_t> count;
  int line = 0;
};

struct Expectations {
  std::vector<RecipientExpectation> recipients;
  std::vector<LogExpectation> log;
  std::vector<QueueExpectation> queue;
  std::vector<ReceivedExpectation> received;
  std::vector<TraceExpectation> trace;
  bool empty() const { return recipients.empty() && log.empty() && queue.empty() && received.empty() && trace.empty(); }
};

// One traced event, as scenario checks see it.
struct TracedEvent {
  std::string kind;
  std::string payload;
};
using TracedSessions = std::map<std::string, std::vector<TracedEvent>>;  // by session id, in order

// What happened, snapshotted by the runner.
struct Observed {
  std::map<std::string, std::vector<log::LogRecord>> log_by_recipient;  // in arrival order
  std::vector<core::QueuedMessage> queue;
  std::map<std::string, std::vector<RecordedTransaction>> received;  // by host name
  TracedSessions client_trace, server_trace;
};

// Reads expect, expect_log, expect_queue, expect_received and expect_trace; with `required`, at least one.
void read_expectations(config::yaml::Reader& r, Expectations& out, bool required);

// One entry per unmet expectation: "line N: what\n    expected: ...\n    actual:   ...".
std::vector<std::string> check(const Expectations& e, const Observed& o);

// "TransientFailure 451 4.7.1 greylisted at mx1.example.com"
std::string describe(const log::LogRecord& r);

}  // namespace mxlab::fakemx
