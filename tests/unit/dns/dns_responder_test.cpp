// The fake DNS server's responder without sockets: zone lookups (NXDOMAIN vs NODATA, CNAME,
// case), every fault knob, UDP truncation and the query log, by calling respond() directly.
#include "sim/fake_mx/dns/dns_responder.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::fakemx;
using dns::Rcode;
using dns::RrType;

namespace {

std::vector<std::uint8_t> query_wire(std::string name, RrType type, std::optional<std::uint16_t> edns = {}) {
  dns::Message q;
  q.header.id = 0x5151;
  q.header.rd = true;
  q.questions.push_back({std::move(name), type});
  q.edns_udp_size = edns;
  return *dns::encode_message(q);
}

class Responder : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const DnsRecord& r : {DnsRecord{"example.com", "MX", 300, "20 mx2.example.com"},
                               DnsRecord{"example.com", "MX", 300, "10 mx1.example.com"},
                               DnsRecord{"mx1.example.com", "A", 300, "127.0.0.2"},
                               DnsRecord{"mx1.example.com", "AAAA", 300, "::1"},
                               DnsRecord{"nomail.example", "MX", 300, "0 ."},
                               DnsRecord{"alias.example.com", "CNAME", 300, "mx1.example.com"}})
      ASSERT_TRUE(responder.add_record(r)) << r.name;
  }

  dns::Message ask(std::string name, RrType type, DnsProtocol protocol = DnsProtocol::Udp,
                   std::optional<std::uint16_t> edns = {}) {
    auto wire = responder.respond(query_wire(std::move(name), type, edns), protocol);
    EXPECT_TRUE(wire.has_value());
    if (!wire) return {};
    auto m = dns::parse_message(*wire);
    EXPECT_TRUE(m.ok()) << m.error();
    return m.ok() ? *m : dns::Message{};
  }

  static std::vector<std::string> rdata(const dns::Message& m) {
    std::vector<std::string> out;
    for (const auto& rr : m.answers) out.push_back(dns::format_rdata(rr));
    return out;
  }

  DnsResponder responder;
};

}  // namespace

TEST_F(Responder, MxRecordsComeBackInZoneOrder) {
  const auto m = ask("example.com", RrType::MX);
  EXPECT_EQ(m.header.rcode, Rcode::NoError);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(m.header.id, 0x5151);
  EXPECT_EQ(rdata(m), (std::vector<std::string>{"20 mx2.example.com", "10 mx1.example.com"}));
}

TEST_F(Responder, UnknownNameIsNxDomainWithSoa) {
  const auto m = ask("nothing.example.org", RrType::MX);
  EXPECT_EQ(m.header.rcode, Rcode::NxDomain);
  EXPECT_TRUE(m.answers.empty());
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].type, RrType::SOA);
  EXPECT_EQ(m.authority[0].name, "example.org");
}

TEST_F(Responder, ExistingNameWithOtherTypesIsNoData) {
  const auto m = ask("mx1.example.com", RrType::MX);
  EXPECT_EQ(m.header.rcode, Rcode::NoError);
  EXPECT_TRUE(m.answers.empty());
  ASSERT_EQ(m.authority.size(), 1u);  // RFC 2308 section 2.2
}

TEST_F(Responder, EmptyNonTerminalIsNoDataNotNxDomain) {
  ASSERT_TRUE(responder.add_record({"a.b.deep.example", "A", 60, "127.0.0.9"}));
  EXPECT_EQ(ask("b.deep.example", RrType::A).header.rcode, Rcode::NoError);
  EXPECT_EQ(ask("x.deep.example", RrType::A).header.rcode, Rcode::NxDomain);
}

TEST_F(Responder, NamesMatchCaseInsensitivelyAndEchoTheAskedCase) {
  const auto m = ask("MX1.Example.COM.", RrType::A);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].name, "MX1.Example.COM");
  EXPECT_EQ(rdata(m), std::vector<std::string>{"127.0.0.2"});
}

TEST_F(Responder, NullMxIsServedAsRoot) {
  EXPECT_EQ(rdata(ask("nomail.example", RrType::MX)), std::vector<std::string>{"0 ."});
}

TEST_F(Responder, CnameIsFollowedInsideTheZone) {
  const auto m = ask("alias.example.com", RrType::AAAA);
  ASSERT_EQ(m.answers.size(), 2u);
  EXPECT_EQ(m.answers[0].type, RrType::CNAME);
  EXPECT_EQ(m.answers[1].name, "mx1.example.com");
  EXPECT_EQ(dns::format_rdata(m.answers[1]), "::1");
  EXPECT_EQ(ask("alias.example.com", RrType::CNAME).answers.size(), 1u);
}

TEST_F(Responder, FaultsOverrideTheZone) {
  struct Case {
    DnsFault fault;
    Rcode rcode;
  };
  for (const Case& c : {Case{DnsFault::ServFail, Rcode::ServFail}, Case{DnsFault::Refused, Rcode::Refused},
                        Case{DnsFault::NxDomain, Rcode::NxDomain}}) {
    responder.set_fault("Example.com", c.fault);
    const auto m = ask("example.com", RrType::MX);
    EXPECT_EQ(m.header.rcode, c.rcode) << to_string(c.fault);
    EXPECT_TRUE(m.answers.empty()) << to_string(c.fault);
  }
  EXPECT_EQ(ask("mx1.example.com", RrType::A).header.rcode, Rcode::NoError);  // exact name only
  responder.set_fault("example.com", DnsFault::None);
  EXPECT_EQ(ask("example.com", RrType::MX).answers.size(), 2u);
}

TEST_F(Responder, TimeoutFaultNeverAnswers) {
  responder.set_fault("example.com", DnsFault::Timeout);
  EXPECT_FALSE(responder.respond(query_wire("example.com", RrType::MX), DnsProtocol::Udp));
  EXPECT_FALSE(responder.respond(query_wire("example.com", RrType::MX), DnsProtocol::Tcp));
}

TEST_F(Responder, TruncateFaultSetsTcOnUdpOnly) {
  responder.set_fault("example.com", DnsFault::Truncate);
  const auto udp = ask("example.com", RrType::MX, DnsProtocol::Udp);
  EXPECT_TRUE(udp.header.tc);
  EXPECT_TRUE(udp.answers.empty());
  const auto tcp = ask("example.com", RrType::MX, DnsProtocol::Tcp);
  EXPECT_FALSE(tcp.header.tc);
  EXPECT_EQ(tcp.answers.size(), 2u);
}

TEST_F(Responder, LargeAnswersAreTruncatedToTheRequesterSize) {
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(responder.add_record({"big.example.com", "TXT", 60, std::string(40, char('a' + i % 26))}));
  EXPECT_TRUE(ask("big.example.com", RrType::TXT).header.tc);
  const auto edns = ask("big.example.com", RrType::TXT, DnsProtocol::Udp, 4096);
  EXPECT_FALSE(edns.header.tc);
  EXPECT_EQ(edns.answers.size(), 40u);
  EXPECT_EQ(ask("big.example.com", RrType::TXT, DnsProtocol::Tcp).answers.size(), 40u);
}

TEST_F(Responder, MalformedQueriesGetFormErrAndResponsesAreIgnored) {
  auto wire = query_wire("example.com", RrType::MX);
  wire.push_back(0xEE);  // trailing garbage
  auto reply = responder.respond(wire, DnsProtocol::Udp);
  ASSERT_TRUE(reply);
  auto m = dns::parse_message(*reply);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->header.rcode, Rcode::FormErr);
  EXPECT_EQ(m->header.id, 0x5151);
  EXPECT_FALSE(responder.respond(std::vector<std::uint8_t>{1, 2, 3}, DnsProtocol::Udp));
  auto response = query_wire("example.com", RrType::MX);
  response[2] |= 0x80;  // QR: a response, not a query
  EXPECT_FALSE(responder.respond(response, DnsProtocol::Udp));
}

TEST_F(Responder, CountsAndLogsQueriesPerProtocol) {
  ask("example.com", RrType::MX, DnsProtocol::Udp);
  ask("Mx1.example.com", RrType::AAAA, DnsProtocol::Tcp);
  EXPECT_EQ(responder.query_count(DnsProtocol::Udp), 1u);
  EXPECT_EQ(responder.query_count(DnsProtocol::Tcp), 1u);
  EXPECT_EQ(responder.query_log(), (std::vector<DnsQueryLogEntry>{{"example.com", "MX", DnsProtocol::Udp},
                                                                  {"Mx1.example.com", "AAAA", DnsProtocol::Tcp}}));
  responder.clear_query_log();
  EXPECT_TRUE(responder.query_log().empty());
  EXPECT_EQ(responder.query_count(DnsProtocol::Udp), 0u);
}

TEST_F(Responder, BadRecordsAreRejectedWithTheRecordNamed) {
  for (const DnsRecord& bad : {DnsRecord{"example.com", "MX", 60, "mx1.example.com"},
                               DnsRecord{"example.com", "A", 60, "not-an-ip"},
                               DnsRecord{"example.com", "SPF", 60, "x"}, DnsRecord{"a..b", "A", 60, "127.0.0.1"}}) {
    Status s = responder.add_record(bad);
    EXPECT_FALSE(s) << bad.type << " " << bad.data;
    EXPECT_NE(s.error.find(bad.name), std::string::npos) << s.error;
  }
}

TEST_F(Responder, RemoveAndClearChangeTheZone) {
  responder.remove_records("EXAMPLE.com");
  const auto gone = ask("example.com", RrType::MX);
  EXPECT_EQ(gone.header.rcode, Rcode::NoError);  // mx1.example.com still exists below it
  EXPECT_TRUE(gone.answers.empty());
  responder.remove_records("nomail.example");
  EXPECT_EQ(ask("nomail.example", RrType::MX).header.rcode, Rcode::NxDomain);
  EXPECT_EQ(ask("mx1.example.com", RrType::A).answers.size(), 1u);
  responder.set_fault("mx1.example.com", DnsFault::ServFail);
  responder.clear();
  EXPECT_EQ(ask("mx1.example.com", RrType::A).header.rcode, Rcode::NxDomain);  // fault gone too
  EXPECT_EQ(parse_dns_fault("ServFail"), DnsFault::ServFail);
  EXPECT_EQ(parse_dns_fault("slow"), std::nullopt);
}
