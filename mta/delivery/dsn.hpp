// Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522, formerly RFC 3462):
// a pure builder from the original message and per-recipient outcomes, and a tolerant parser that
// reads a DSN back (tests, and the Python harness reading DSNs that reached the sender's MX).
// Invariant: a message with the null reverse-path never gets a DSN (RFC 3464 section 2, RFC 5321 6.1).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/expected.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::delivery {

// RFC 3464 section 2.3.3 action-value.
enum class DsnAction { Failed, Delayed, Delivered, Relayed, Expanded };
std::string_view to_string(DsnAction a);  // "failed", "delayed", ...

struct DsnRecipient {
  std::string final_recipient;     // the address the report is about (Final-Recipient: rfc822;)
  std::string original_recipient;  // ORCPT when known, else empty (field omitted)
  DsnAction action = DsnAction::Failed;
  smtp::EnhancedCode status{5, 0, 0};
  std::string diagnostic;  // the remote reply, e.g. "550 5.1.1 no such user"; empty: field omitted
  std::string remote_mta;  // host name that gave the reply; empty: field omitted
  std::optional<TimePoint> last_attempt;
  std::optional<TimePoint> will_retry_until;  // delayed reports only (section 2.3.9)
};

// What the DSN returns of the original (RFC 3461 RET): headers only, or the full message.
enum class DsnReturn { Headers, Full };

struct DsnRequest {
  std::string original_message;  // headers + body as spooled (CRLF or LF line ends)
  std::string envelope_sender;   // reverse-path of the original; empty = null sender
  std::string reporting_mta;     // our host name (Reporting-MTA: dns;)
  std::string original_envelope_id;  // ENVID when given, else empty
  TimePoint arrival_date{};
  TimePoint date{};         // Date: of the DSN itself
  std::string message_id;   // Message-ID of the DSN without <>; also seeds the MIME boundary
  std::vector<DsnRecipient> recipients;
  DsnReturn return_content = DsnReturn::Headers;
};

// The complete RFC 5322 message (CRLF line ends) to send from <> to envelope_sender, or nullopt when
// no DSN is due: null sender, or no recipient to report.
std::optional<std::string> build_dsn(const DsnRequest& request);

// The header section of a message (up to, not including, the blank line), CRLF line ends.
std::string header_section(std::string_view message);

// ---- reading a DSN back ----

struct ParsedDsnRecipient {
  std::string final_recipient;     // address with the "rfc822;" type removed
  std::string original_recipient;  // same, when present
  std::string action;              // lower-cased, e.g. "failed"
  std::string status;              // "5.1.1"
  std::string remote_mta;          // host with "dns;" removed
  std::string diagnostic_code;     // text with "smtp;" removed, unfolded
  std::string last_attempt_date;
  std::string will_retry_until;
};

struct ParsedDsn {
  std::string subject;
  std::string report_type;     // "delivery-status"
  std::string reporting_mta;   // host with "dns;" removed
  std::string arrival_date;
  std::string original_envelope_id;
  std::vector<ParsedDsnRecipient> recipients;
  std::string returned_headers;  // the text/rfc822-headers part (or message/rfc822 headers)

  const ParsedDsnRecipient* recipient(std::string_view address) const;  // case-insensitive
};

// Reads a multipart/report; report-type=delivery-status message. Never throws; malformed input is
// an error value naming what is missing.
Expected<ParsedDsn> parse_dsn(std::string_view message);

}  // namespace mxlab::delivery
