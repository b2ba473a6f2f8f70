// The Resolver seam: MX and address lookups with DNS outcomes kept apart (NXDOMAIN is permanent,
// SERVFAIL / timeout temporary: RFC 5321 section 5). Callback-based so this header stays free of
// Asio; callbacks run on the resolver's own thread and must not block.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"

namespace mxlab::dns {

enum class Outcome { Ok, NxDomain, NoData, ServFail, Refused, Timeout, Error };
std::string_view to_string(Outcome o);
// Permanent outcomes bounce; the rest defer.
inline bool is_permanent(Outcome o) { return o == Outcome::NxDomain; }

struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;  // "." for null MX (RFC 7505)
  bool operator==(const MxRecord&) const = default;
};

struct MxAnswer {
  Outcome outcome = Outcome::Error;
  std::vector<MxRecord> records;
  std::string detail;  // resolver's error text
};

struct AddressAnswer {
  Outcome outcome = Outcome::Error;
  std::vector<std::string> addresses;  // textual IPv4 / IPv6, A records first then AAAA
  std::string detail;
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual void resolve_mx(std::string domain, std::function<void(MxAnswer)> done) = 0;
  // A and AAAA; Ok if either has addresses, NoData if both are empty, else the worse outcome.
  virtual void resolve_addresses(std::string host, std::function<void(AddressAnswer)> done) = 0;
};

struct AresOptions {
  std::vector<std::string> nameservers;  // "127.0.0.1:5353" or "[::1]:53"; empty = system
  std::chrono::milliseconds timeout{2000};
  int attempts = 2;
};

// c-ares resolver running its own event thread.
Expected<std::unique_ptr<Resolver>> make_ares_resolver(const AresOptions& options);

}  // namespace mxlab::dns
