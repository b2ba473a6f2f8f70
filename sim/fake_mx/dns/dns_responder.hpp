// The fake DNS server's logic without sockets: zone records, per-name faults, query counters and
// log, and respond(query octets) -> response octets, which the UDP and TCP loops call.
// Thread-safe behind one mutex, so tests may change the zone while queries are in flight.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/dns/dns_message.hpp"

namespace mxlab::fakemx {

struct DnsRecord {
  std::string name;          // case-insensitive, trailing dot optional
  std::string type;          // "A", "AAAA", "MX", "TXT", "CNAME", "NS"
  std::uint32_t ttl = 300;
  std::string data;          // "10 mx1.example.com" (MX), "127.0.0.2" (A), text (TXT), a name
  bool operator==(const DnsRecord&) const = default;
};

// Faults apply to one exact name (case-insensitive), whatever the query type.
enum class DnsFault {
  None,
  ServFail,  // RCODE 2
  Refused,   // RCODE 5
  NxDomain,  // RCODE 3 with SOA, even if the name has records
  Timeout,   // never answer
  Truncate,  // UDP answers carry TC and no records, so the client must retry over TCP
};
std::string_view to_string(DnsFault f);
std::optional<DnsFault> parse_dns_fault(std::string_view s);  // "servfail", "timeout", ...

enum class DnsProtocol { Udp, Tcp };
std::string_view to_string(DnsProtocol p);

struct DnsQueryLogEntry {
  std::string name;  // as the client sent it
  std::string type;  // "MX", "TYPE99"
  DnsProtocol protocol = DnsProtocol::Udp;
  bool operator==(const DnsQueryLogEntry&) const = default;
};

class DnsResponder {
 public:
  Status add_record(const DnsRecord& record);
  void remove_records(std::string_view name);
  void set_fault(std::string_view name, DnsFault fault);
  void clear();

  // The response to one query message, or nothing when the server stays silent (Timeout fault,
  // a response instead of a query, or fewer octets than a header).
  std::optional<std::vector<std::uint8_t>> respond(std::span<const std::uint8_t> query, DnsProtocol protocol);

  std::uint64_t query_count(DnsProtocol protocol) const;
  std::vector<DnsQueryLogEntry> query_log() const;
  void clear_query_log();

  static constexpr std::uint32_t kNegativeTtl = 60;  // SOA minimum: RFC 2308 section 5

 private:
  struct Entry {
    std::string key;  // normalized owner name
    dns::ResourceRecord rr;
  };
  dns::Message answer(const dns::Message& query) const;  // zone lookup, mu_ held
  bool name_exists(const std::string& key) const;
  std::vector<std::uint8_t> encode(const dns::Message& response, std::size_t limit) const;

  mutable std::mutex mu_;
  std::vector<Entry> records_;                       // insertion order is answer order
  std::map<std::string, DnsFault, std::less<>> faults_;  // by normalized name
  std::uint64_t udp_queries_ = 0, tcp_queries_ = 0;
  std::vector<DnsQueryLogEntry> log_;
};

}  // namespace mxlab::fakemx
