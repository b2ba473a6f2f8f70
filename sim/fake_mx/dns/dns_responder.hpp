// The fake DNS server's logic without sockets: zone records, per-name faults, query counters and
// log, and respond(query octets) -> response octets, which the UDP and TCP loops call.
// Thread-safe behind one mutex, so tests may change the zone while queries are in flight.
#pragma once
#include <chrono>
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
  std::string type;          // "A", "AAAA", "MX", "TXT", "CNAME", "NS", "PTR", "TLSA"
  std::uint32_t ttl = 300;
  std::string data;          // "10 mx1.example.com" (MX), "127.0.0.2" (A), text (TXT), a name
                             // (CNAME, NS, PTR), "3 1 1 <hex>" (TLSA: usage selector type data)
  bool operator==(const DnsRecord&) const = default;
};

// A zone record in wire form. PTR (RFC 1035 3.3.12) and TLSA (RFC 6698 2.1) are built here as
// raw RDATA, the codec carries them opaquely (RFC 3597); the other types go to dns::make_record.
Expected<dns::ResourceRecord> make_zone_record(const DnsRecord& record);
std::string type_name(dns::RrType type);  // "PTR", "TLSA", else dns::to_string

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

// A fault with its scope: only the first `times` queries for the name (0 = every query) get it,
// so "SERVFAIL twice, then the real answer" is one entry; `delay` holds each answer back.
struct DnsFaultSpec {
  DnsFault fault = DnsFault::None;
  int times = 0;
  std::chrono::milliseconds delay{0};
  bool operator==(const DnsFaultSpec&) const = default;
};

// Server-wide options.
struct DnsServerOptions {
  bool authenticated_data = false;  // set AD on NOERROR answers (a validating resolver's DNSSEC "secure")
  std::size_t truncate_above = 0;   // UDP answers larger than this many octets carry TC; 0 = the client's limit
};

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
  void set_fault(std::string_view name, const DnsFaultSpec& spec);  // DnsFault::None with no delay clears
  void set_options(const DnsServerOptions& options);
  DnsServerOptions options() const;
  void clear();

  // The response to one query message, or nothing when the server stays silent (Timeout fault,
  // a response instead of a query, or fewer octets than a header).
  // `delay` (optional) receives how long to hold the answer back.
  std::optional<std::vector<std::uint8_t>> respond(std::span<const std::uint8_t> query, DnsProtocol protocol,
                                                   std::chrono::milliseconds* delay = nullptr);

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
  std::string apex_of(std::string_view key) const;
  std::vector<std::uint8_t> encode(const dns::Message& response, std::size_t limit) const;

  mutable std::mutex mu_;
  std::vector<Entry> records_;                       // insertion order is answer order
  struct FaultState {
    DnsFaultSpec spec;
    int used = 0;  // queries that got the fault so far
  };
  std::map<std::string, FaultState, std::less<>> faults_;  // by normalized name
  DnsServerOptions options_;
  std::uint64_t udp_queries_ = 0, tcp_queries_ = 0;
  std::vector<DnsQueryLogEntry> log_;
};

}  // namespace mxlab::fakemx
