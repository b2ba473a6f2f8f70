// Delivery log records in KumoMTA's JSON shape (one JSON object per line):
// {"type":"Delivery","id":"..","sender":"..","recipient":"..","queue":"..","site":"..","size":N,
//  "response":{"code":250,"enhanced_code":{"class":2,"subject":0,"detail":0},"content":"..","command":".."},
//  "peer_address":{"name":"mx1.example.com","addr":"127.0.0.2"},"timestamp":..,"created":..,"num_attempts":N,
//  "headers":{"Message-ID":"<..>"},"delays":{"before_queue":0.01,"in_queue":0.2,"connection_setup":0.05,"transmission":0.1}}
// delays (seconds, Postfix's a/b/c/d) is mxlab's addition for following a message across hosts.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "mta/common/clock.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::log {

enum class RecordType { Reception, Delivery, TransientFailure, Bounce, Expiration, AdminBounce, Rejection, AdminRebind };
std::string_view to_string(RecordType t);
std::optional<RecordType> parse_record_type(std::string_view name);  // "Delivery" -> Delivery

struct Response {
  int code = 0;
  std::optional<smtp::EnhancedCode> enhanced_code;
  std::string content;
  std::string command;  // the command the reply answered, e.g. "RCPT TO:<a@b>"
};

struct PeerAddress {
  std::string name;
  std::string addr;
};

// Where the time went (Postfix's delays=a/b/c/d): a before the queue (reception: MAIL FROM to the
// queued reply), b waiting in the queue (reception, or the last attempt, to this attempt's start),
// c connection setup (DNS, connect, greeting, EHLO, TLS), d message transmission (MAIL FROM to the
// final reply).
struct Delays {
  Millis before_queue{0};
  Millis in_queue{0};
  Millis connection_setup{0};
  Millis transmission{0};
  Millis total() const { return before_queue + in_queue + connection_setup + transmission; }
};

struct LogRecord {
  RecordType type = RecordType::Reception;
  std::string id;           // message id (8 hex)
  std::string envelope_id;  // per-recipient envelope id (16 hex)
  std::string sender;
  std::string recipient;
  std::string queue;  // scheduled queue name
  std::string site;   // ready queue / MX site
  std::uint64_t size = 0;
  Response response;
  PeerAddress peer_address;
  TimePoint timestamp{};
  TimePoint created{};
  int num_attempts = 0;
  std::string reception_protocol;  // "ESMTP"
  std::string delivery_protocol;   // "ESMTP"
  std::string tls_protocol_version;  // outbound TLS, e.g. "TLSv1.3"; empty = plaintext
  std::string tls_cipher;            // e.g. "TLS_AES_256_GCM_SHA384"
  std::map<std::string, std::string> meta;
  // KumoMTA's class of the response ("InvalidRecipient", "MessageExpired"...); failures only,
  // "Uncategorized" otherwise, as KumoMTA writes it.
  std::string bounce_classification = "Uncategorized";
  std::string egress_pool;    // delivery records; omitted when empty
  std::string egress_source;  // "unspecified" is KumoMTA's default source
  std::map<std::string, std::string> headers;  // selected message headers (Message-ID)
  std::optional<Delays> delays;               // omitted when unknown

  std::string to_json() const;  // one line, no trailing newline
};

}  // namespace mxlab::log
