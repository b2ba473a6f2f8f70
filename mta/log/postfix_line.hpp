// Postfix-style log lines (the shapes in postfix's qmgr/smtp/cleanup logs) built from mxlab's
// LogRecord, so tools written for Postfix logs (pflogsumm, mailtrace, qshape-style scripts) can
// follow a message through mtad: "QID: to=<r>, relay=host[ip]:port, delay=T, delays=a/b/c/d,
// dsn=X.Y.Z, status=sent (250 ...)". Pure string building; the writer decides where lines go.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/common/clock.hpp"
#include "mta/log/log_record.hpp"

namespace mxlab::log {

using PostfixDelays = Delays;  // see log_record.hpp

// Postfix's delay number: two significant digits, at most two decimals, truncated, trailing zeros
// dropped: 0.39, 0.08, 1.5, 3, 12, 123; under 10 ms is "0".
std::string format_postfix_delay(Millis d);

// "QID: to=<rcpt>, relay=..., delay=T, delays=a/b/c/d, dsn=X.Y.Z, status=S (text)" for Delivery
// (sent), TransientFailure (deferred), Bounce / AdminBounce / Expiration (bounced) records.
// relay is "name[addr]:port" when the record has a peer, else "none". delay is timestamp - created
// when both are set, else delays.total(). The status text is the reply ("250 2.0.0 Ok ...") for sent
// mail, "host H[ip] said: <reply> (in reply to RCPT TO command)" for a remote refusal, and the bare
// response content for local failures (DNS, connect, expiry).
std::string postfix_recipient_line(const LogRecord& record, const PostfixDelays& delays, std::uint16_t relay_port = 25);

// "QID: client=name[ip]"
std::string postfix_client_line(std::string_view queue_id, std::string_view client_name, std::string_view client_ip);
// "QID: message-id=<id>" (id given with or without its angle brackets)
std::string postfix_message_id_line(std::string_view queue_id, std::string_view message_id);
// "QID: from=<sender>, size=N, nrcpt=N (queue active)"
std::string postfix_queue_active_line(std::string_view queue_id, std::string_view sender, std::uint64_t size,
                                      std::size_t nrcpt);
// "QID: from=<sender>, status=expired, returned to sender"
std::string postfix_expired_line(std::string_view queue_id, std::string_view sender);
// "QID: removed"
std::string postfix_removed_line(std::string_view queue_id);

// The syslog prefix Postfix log readers expect before each line:
// "Nov 22 04:27:24 host program[pid]: " (RFC 3164 timestamp, UTC here).
std::string syslog_prefix(TimePoint t, std::string_view host, std::string_view program, int pid);

}  // namespace mxlab::log
