// CIDR parsing and matching. inet_pton does the address grammar (it rejects leading zeros in
// IPv4 octets and malformed IPv6); this file adds prefixes, masking and IPv4-mapped folding.
#include "mta/common/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace mxlab {

namespace {
// ::ffff:a.b.c.d (RFC 4291 section 2.5.5.2) is the same host as a.b.c.d on a dual-stack socket.
bool is_v4_mapped(const std::array<std::uint8_t, 16>& b) {
  for (int i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

int max_prefix(const IpAddress& a) { return a.v6 ? 128 : 32; }

bool prefix_equal(const IpAddress& x, const IpAddress& y, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(x.bytes.data(), y.bytes.data(), full) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (x.bytes[full] & mask) == (y.bytes[full] & mask);
}

void clear_host_bits(IpAddress& a, int prefix) {
  for (int bit = prefix; bit < max_prefix(a); ++bit) {
    a.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
}
}  // namespace

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

Expected<IpAddress> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return unexpected("not an IP address: '" + std::string(text) + "'");
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return unexpected("not an IP address: '" + s + "'");
  a.v6 = true;
  if (is_v4_mapped(a.bytes)) {
    std::array<std::uint8_t, 16> v4{};
    std::memcpy(v4.data(), a.bytes.data() + 12, 4);
    a.bytes = v4;
    a.v6 = false;
  }
  return a;
}

Expected<Cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  auto addr = parse_ip(text.substr(0, slash));
  if (!addr) return unexpected("bad CIDR '" + std::string(text) + "': " + addr.error());
  Cidr c{*addr, max_prefix(*addr)};
  if (slash != std::string_view::npos) {
    // A v4-mapped block (::ffff:10.0.0.0/104) is written with an IPv6 prefix: 96 + the IPv4 one.
    int offset = !addr->v6 && text.substr(0, slash).find(':') != std::string_view::npos ? 96 : 0;
    auto digits = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < offset ||
        prefix > max_prefix(*addr) + offset) {
      return unexpected("bad CIDR '" + std::string(text) + "': prefix must be " + std::to_string(offset) + ".." +
                        std::to_string(max_prefix(*addr) + offset));
    }
    c.prefix = prefix - offset;
  }
  clear_host_bits(c.network, c.prefix);
  return c;
}

bool Cidr::contains(const IpAddress& a) const {
  return a.v6 == network.v6 && prefix_equal(a, network, prefix);
}

std::string Cidr::str() const { return network.str() + "/" + std::to_string(prefix); }

Expected<CidrSet> CidrSet::parse(const std::vector<std::string>& entries) {
  CidrSet set;
  for (const auto& e : entries) {
    auto c = parse_cidr(e);
    if (!c) return unexpected(c.error());
    set.add(*c);
  }
  return set;
}

bool CidrSet::contains(const IpAddress& a) const {
  for (const auto& b : blocks_)
    if (b.contains(a)) return true;
  return false;
}

bool CidrSet::contains(std::string_view address) const {
  auto a = parse_ip(address);
  return a && contains(*a);
}

}  // namespace mxlab
