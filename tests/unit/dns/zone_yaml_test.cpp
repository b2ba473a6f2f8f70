// Zone YAML loading for FakeDns: the mapping form, single-string values, and errors that carry
// the source name and 1-based line of the offending entry.
#include "sim/fake_mx/dns/zone_yaml.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

using namespace mxlab::fakemx;

TEST(ZoneYaml, MappingOfNameToRecordStrings) {
  auto zone = parse_zone_yaml_text(R"(
example.com:
  - MX 10 mx1.example.com
  - MX 20 mx2.example.com
  - TXT v=spf1 ip4:127.0.0.0/8 -all
mx1.example.com: A 127.0.0.2
nomail.example: [MX 0 .]
)");
  ASSERT_TRUE(zone.ok()) << zone.error();
  EXPECT_EQ(*zone, (std::vector<DnsRecord>{{"example.com", "MX", 300, "10 mx1.example.com"},
                                           {"example.com", "MX", 300, "20 mx2.example.com"},
                                           {"example.com", "TXT", 300, "v=spf1 ip4:127.0.0.0/8 -all"},
                                           {"mx1.example.com", "A", 300, "127.0.0.2"},
                                           {"nomail.example", "MX", 300, "0 ."}}));
}

TEST(ZoneYaml, NodeFormTakesATtl) {
  const YAML::Node node = YAML::Load("a.example: ['AAAA ::1']");
  auto zone = parse_zone_yaml(node, "scenario.yaml", 30);
  ASSERT_TRUE(zone.ok()) << zone.error();
  ASSERT_EQ(zone->size(), 1u);
  EXPECT_EQ((*zone)[0].ttl, 30u);
  EXPECT_TRUE(parse_zone_yaml(YAML::Node{}).ok());  // absent zone: no records
}

TEST(ZoneYaml, ErrorsNameSourceLineAndKey) {
  struct Case {
    const char* yaml;
    const char* error;
  };
  for (const Case& c : {
           Case{"example.com:\n  - MX 10 mx1.example.com\n  - MX mx2.example.com\n", "zone.yaml:3: example.com: MX data"},
           Case{"example.com:\n  - A 127.0.0.1\nother.example:\n  - SPF v=spf1\n", "zone.yaml:4: other.example: unknown record type"},
           Case{"a.example: {MX: 10}\n", "zone.yaml:1: a.example: expected a list"},
           Case{"- just a list\n", "zone.yaml:1: a zone is a mapping"},
           Case{"a.example:\n  - [nested]\n", "zone.yaml:2: a.example: expected a \"TYPE data\" string"},
           Case{"a.example: [A 1.2.3.4\n", "zone.yaml:"},
       }) {
    auto zone = parse_zone_yaml_text(c.yaml, "zone.yaml");
    ASSERT_FALSE(zone.ok()) << c.yaml;
    EXPECT_NE(zone.error().find(c.error), std::string::npos) << zone.error();
  }
}
