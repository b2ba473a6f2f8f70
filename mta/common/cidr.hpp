// CIDR blocks for IPv4 and IPv6 (RFC 4632, RFC 4291 section 2.3) and a set matcher. Used by the
// admin API's trusted_hosts check and the trace filters (--source, --mx-addr). Socket-free: an
// address is 16 bytes, with IPv4 and IPv4-mapped IPv6 (::ffff:a.b.c.d) treated as the same host.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"

namespace mxlab {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes
  bool v6 = false;
  std::string str() const;
};

// Parses "192.0.2.1", "2001:db8::1", "[2001:db8::1]"; IPv4-mapped IPv6 comes back as IPv4.
Expected<IpAddress> parse_ip(std::string_view text);

struct Cidr {
  IpAddress network;  // host bits cleared
  int prefix = 0;     // 0..32 or 0..128
  bool contains(const IpAddress& a) const;
  std::string str() const;
};

// Parses "10.0.0.0/8", "::1/128"; a bare address is a single host (/32 or /128).
// Host bits set below the prefix ("10.1.2.3/8") are accepted and cleared, as most tools do.
Expected<Cidr> parse_cidr(std::string_view text);

class CidrSet {
 public:
  // Fails on the first bad entry, naming it.
  static Expected<CidrSet> parse(const std::vector<std::string>& entries);
  void add(Cidr c) { blocks_.push_back(c); }
  bool contains(const IpAddress& a) const;
  bool contains(std::string_view address) const;  // false when the text is not an address
  bool empty() const { return blocks_.empty(); }
  const std::vector<Cidr>& blocks() const { return blocks_; }

 private:
  std::vector<Cidr> blocks_;
};

}  // namespace mxlab
