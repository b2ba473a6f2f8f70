// FakeDns: a real DNS server (UDP and TCP on one address and port) for testing senders, with
// zone data from plain structs and per-name faults (SERVFAIL, REFUSED, NXDOMAIN, no answer, TC).
// Runs its own thread; every public method is thread-safe. Asio stays behind the pimpl.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/common/expected.hpp"
#include "sim/fake_mx/dns/dns_responder.hpp"

namespace mxlab::fakemx {

struct FakeDnsOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  std::uint16_t port = 0;              // 0: ephemeral, the same port for UDP and TCP
  std::vector<DnsRecord> records{};
  std::vector<std::pair<std::string, DnsFaultSpec>> faults{};  // applied at start()
  DnsServerOptions server{};                                   // AD flag, UDP truncation size
};

class FakeDns {
 public:
  explicit FakeDns(FakeDnsOptions options = {});
  ~FakeDns();  // stop()
  FakeDns(const FakeDns&) = delete;
  FakeDns& operator=(const FakeDns&) = delete;

  // Validates the records, binds UDP then TCP and starts serving. Errors name the bad record
  // or the address that could not be bound.
  Status start();
  void stop();  // idempotent; drops open TCP connections

  std::uint16_t port() const;       // the bound port once started
  const std::string& address() const;
  std::string nameserver() const;   // "127.0.0.1:5353" / "[::1]:5353", for AresOptions::nameservers

  // Zone and fault changes take effect for the next query.
  Status add_record(const DnsRecord& record);
  void remove_records(std::string_view name);
  void set_fault(std::string_view name, DnsFault fault);  // DnsFault::None clears
  void set_fault(std::string_view name, const DnsFaultSpec& spec);  // first `times` queries, delay
  void set_options(const DnsServerOptions& options);
  void clear();  // records and faults; counters and log stay

  std::uint64_t query_count(DnsProtocol protocol) const;
  std::vector<DnsQueryLogEntry> query_log() const;
  void clear_query_log();  // also resets the counters

  DnsResponder& responder() { return responder_; }

 private:
  struct Impl;
  FakeDnsOptions options_;
  DnsResponder responder_;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace mxlab::fakemx
