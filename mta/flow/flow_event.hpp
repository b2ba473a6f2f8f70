// One log line as the flow tracer sees it: a normalised event of one queue id on one host,
// parsed from mtad's JSON delivery records or from Postfix syslog lines (cleanup, qmgr, smtp,
// lmtp). Pure parsing: no files, no sockets; both sources feed the same FlowEvent.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "mta/common/clock.hpp"
#include "mta/log/log_record.hpp"

namespace mxlab::flow {

enum class EventKind {
  Received,   // mtad Reception / Postfix "client="
  MessageId,  // Postfix "message-id=" (mtad carries the id on every record)
  Queued,     // Postfix qmgr "from=<s>, size=N, nrcpt=N (queue active)"
  Sent,
  Deferred,
  Bounced,
  Expired,
  Removed,
};
std::string_view to_string(EventKind k);

struct FlowEvent {
  std::string host;  // the host whose log holds the line
  TimePoint time{};
  EventKind kind = EventKind::Received;
  std::string queue_id;
  std::string message_id;  // with angle brackets
  std::string sender;
  std::string recipient;
  std::string client;      // Received: "name[ip]"
  std::string relay_name;  // Sent/Deferred/Bounced: the next host as the sender saw it
  std::string relay_addr;
  std::string queued_as;   // Sent: the receiver's new queue id, from "queued as ID"
  std::string reply;       // status text or reply
  std::string dsn;         // "2.0.0"
  std::optional<log::Delays> delays;
};

// The receiver's queue id in a reply ("250 2.0.0 Ok: queued as 4F2A9C1B"), "" when absent.
std::string queued_as(std::string_view reply);

// An mtad JSON delivery record; nullopt for anything else (including malformed JSON).
std::optional<FlowEvent> parse_mtad_record(std::string_view line, std::string_view host);

// A Postfix syslog line ("Nov 22 04:27:24 mx1 postfix/smtp[42]: QID: to=<..>, relay=..") or the
// same with an RFC 3339 timestamp. RFC 3164 timestamps have no year: `year` supplies it. Lines
// that are not about a queue id (connect, disconnect, warnings) give nullopt.
std::optional<FlowEvent> parse_postfix_line(std::string_view line, std::string_view host, int year);

// Either format, by the line's first character.
std::optional<FlowEvent> parse_log_line(std::string_view line, std::string_view host, int year);
// Unix seconds as a TimePoint, for 1970 to 2261 only: a garbled date must not overflow the
// clock's nanosecond count (found by the flow_log_line fuzz target).
std::optional<TimePoint> unix_time(std::int64_t seconds);
// A duration in seconds from a log line as milliseconds; nullopt for NaN, negative or more than
// 1e9 seconds (garbled input must not overflow the conversion).
std::optional<Millis> millis_of_seconds(double seconds);

}  // namespace mxlab::flow
