// SMTP commands (RFC 5321 section 4.1, RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 3030 BDAT,
// RFC 6531 SMTPUTF8): a socket-free parser and encoder. parse_command never throws; a malformed
// line yields the exact reply the server must send (500 syntax, 501 argument, 504 parameter, ...).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::smtp {

enum class Verb { Helo, Ehlo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Starttls, Vrfy, Auth };
std::string_view to_string(Verb v);  // "EHLO", "MAIL", ...

struct EsmtpParam {
  std::string keyword;               // upper-cased, e.g. "SIZE", "BODY"
  std::optional<std::string> value;  // as sent (xtext not decoded)
  bool operator==(const EsmtpParam&) const = default;
};

struct Command {
  Verb verb{};
  // HELO/EHLO: the domain or address literal. VRFY/NOOP/AUTH: the raw argument.
  std::string argument;
  // MAIL/RCPT: the mailbox inside <>, without source route; empty with null_path for MAIL FROM:<>.
  std::string address;
  bool null_path = false;
  std::vector<EsmtpParam> params;  // MAIL/RCPT ESMTP parameters
  std::uint64_t chunk_size = 0;    // BDAT
  bool last_chunk = false;         // BDAT ... LAST
  bool operator==(const Command&) const = default;

  const EsmtpParam* param(std::string_view keyword) const;  // case-insensitive lookup
};

// Parses one command line without its CRLF. On error returns the reply to send, e.g.
// 500 5.5.2 for an unknown verb, 501 5.5.4 for a bad argument, 555 5.5.4 for an unknown
// MAIL/RCPT parameter (RFC 5321 4.1.1.11).
Expected<Command, Reply> parse_command(std::string_view line);

// Encodes a command as it goes on the wire, with the trailing CRLF.
std::string encode(const Command& c);

// Convenience constructors used by the client.
Command make_ehlo(std::string domain);
Command make_mail(std::string address, std::vector<EsmtpParam> params = {});
Command make_rcpt(std::string address, std::vector<EsmtpParam> params = {});
Command make_simple(Verb v);  // DATA, RSET, NOOP, QUIT, STARTTLS

// RFC 5321 4.1.2 Mailbox (local-part@domain), with RFC 6531 UTF-8 allowed when utf8 is true.
bool is_valid_mailbox(std::string_view address, bool utf8 = false);
// Domain or address literal as allowed in EHLO/HELO.
bool is_valid_helo_argument(std::string_view domain);

}  // namespace mxlab::smtp
