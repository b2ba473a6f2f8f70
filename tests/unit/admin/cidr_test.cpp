// CIDR matcher: parsing (valid and invalid blocks) and membership, as a table, for IPv4, IPv6
// and IPv4-mapped IPv6 peers as a dual-stack listener reports them.
#include "mta/common/cidr.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace mxlab {
namespace {

struct MatchCase {
  const char* cidr;
  const char* address;
  bool expected;
};

void PrintTo(const MatchCase& c, std::ostream* os) { *os << c.cidr << " contains " << c.address << " = " << c.expected; }

class CidrMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(CidrMatch, ContainsAddressExactlyWhenPrefixMatches) {
  const auto& c = GetParam();
  auto block = parse_cidr(c.cidr);
  ASSERT_TRUE(block.ok()) << block.error();
  auto address = parse_ip(c.address);
  ASSERT_TRUE(address.ok()) << address.error();
  EXPECT_EQ(block->contains(*address), c.expected) << c.cidr << " vs " << c.address;
}

INSTANTIATE_TEST_SUITE_P(Table, CidrMatch,
                         ::testing::Values(MatchCase{"127.0.0.1/32", "127.0.0.1", true},
                                           MatchCase{"127.0.0.1/32", "127.0.0.2", false},
                                           MatchCase{"127.0.0.1", "127.0.0.1", true},
                                           MatchCase{"10.0.0.0/8", "10.255.1.2", true},
                                           MatchCase{"10.0.0.0/8", "11.0.0.1", false},
                                           MatchCase{"192.168.1.0/23", "192.168.0.77", true},
                                           MatchCase{"192.168.1.0/23", "192.168.2.1", false},
                                           MatchCase{"172.16.0.0/12", "172.31.255.255", true},
                                           MatchCase{"172.16.0.0/12", "172.32.0.0", false},
                                           MatchCase{"0.0.0.0/0", "203.0.113.9", true},
                                           MatchCase{"0.0.0.0/0", "::1", false},
                                           MatchCase{"::1/128", "::1", true},
                                           MatchCase{"::1/128", "::2", false},
                                           MatchCase{"2001:db8::/32", "2001:db8:ffff::1", true},
                                           MatchCase{"2001:db8::/32", "2001:db9::1", false},
                                           MatchCase{"2001:db8::/33", "2001:db8:7fff::1", true},
                                           MatchCase{"2001:db8::/33", "2001:db8:8000::1", false},
                                           MatchCase{"::/0", "fe80::1", true},
                                           MatchCase{"127.0.0.0/8", "::ffff:127.0.0.5", true},
                                           MatchCase{"::ffff:10.0.0.0/104", "10.1.1.1", true},
                                           MatchCase{"10.1.2.3/8", "10.9.9.9", true}));

TEST(CidrParse, RejectsMalformedBlocks) {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8x", "300.0.0.1",
                          "10.0.0", "example.com", "1:2:3:4:5:6:7:8:9", "10.0.0.0/08a"}) {
    EXPECT_FALSE(parse_cidr(bad).ok()) << "'" << bad << "'";
  }
}

TEST(CidrParse, ErrorNamesTheEntry) {
  auto set = CidrSet::parse({"127.0.0.1/32", "10.0.0.0/99"});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().find("10.0.0.0/99"), std::string::npos) << set.error();
}

TEST(CidrParse, ClearsHostBitsAndPrintsCanonicalForm) {
  EXPECT_EQ(parse_cidr("10.1.2.3/8")->str(), "10.0.0.0/8");
  EXPECT_EQ(parse_cidr("2001:db8::1/32")->str(), "2001:db8::/32");
  EXPECT_EQ(parse_cidr("::1")->str(), "::1/128");
}

TEST(CidrSet, DefaultTrustedHostsAdmitOnlyLoopback) {
  auto set = CidrSet::parse({"127.0.0.1/32", "::1/128"});
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->contains("127.0.0.1"));
  EXPECT_TRUE(set->contains("::1"));
  EXPECT_TRUE(set->contains("::ffff:127.0.0.1"));
  EXPECT_TRUE(set->contains("[::1]"));
  EXPECT_FALSE(set->contains("192.0.2.1"));
  EXPECT_FALSE(set->contains("not-an-ip"));
  EXPECT_FALSE(CidrSet{}.contains("127.0.0.1"));
}

}  // namespace
}  // namespace mxlab
