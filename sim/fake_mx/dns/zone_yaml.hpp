// Zone data for FakeDns from YAML: a mapping of name -> list of "TYPE data" strings, e.g.
//   example.com: ["MX 10 mx1.example.com", "MX 20 mx2.example.com", "TXT v=spf1 -all"]
//   mx1.example.com: "A 127.0.0.2"        # a single string is a one-element list
// Errors name the source, the 1-based line and the key, as every mxlab config error does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"
#include "sim/fake_mx/dns/dns_responder.hpp"

namespace YAML {
class Node;
}

namespace mxlab::fakemx {

inline constexpr std::uint32_t kDefaultZoneTtl = 300;

Expected<std::vector<DnsRecord>> parse_zone_yaml(const YAML::Node& zone, std::string_view source = "zone",
                                                 std::uint32_t ttl = kDefaultZoneTtl);
Expected<std::vector<DnsRecord>> parse_zone_yaml_text(std::string_view text, std::string_view source = "zone",
                                                      std::uint32_t ttl = kDefaultZoneTtl);

}  // namespace mxlab::fakemx
