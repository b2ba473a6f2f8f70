// Table tests for the DNS codec: well-formed messages of every supported type round-trip,
// names are compressed, RCODEs and EDNS0 survive, oversize UDP answers are truncated with TC.
#include "mta/dns/dns_message.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace mxlab::dns;

namespace {

ResourceRecord rr(std::string name, RrType type, std::string_view text, std::uint32_t ttl = 300) {
  auto r = make_record(std::move(name), type, ttl, text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? *r : ResourceRecord{};
}

Message query(std::string name, RrType type, std::uint16_t id = 0x1234) {
  Message q;
  q.header.id = id;
  q.header.rd = true;
  q.questions.push_back({std::move(name), type});
  return q;
}

std::vector<std::uint8_t> encode(const Message& m, std::size_t limit = kMaxTcpPayload) {
  auto wire = encode_message(m, limit);
  EXPECT_TRUE(wire.ok()) << (wire.ok() ? "" : wire.error());
  return wire.ok() ? *wire : std::vector<std::uint8_t>{};
}

Message round_trip(const Message& m, std::size_t limit = kMaxTcpPayload) {
  auto parsed = parse_message(encode(m, limit));
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error());
  return parsed.ok() ? *parsed : Message{};
}

}  // namespace

TEST(DnsMessage, ParsesAHandBuiltQuery) {
  const std::vector<std::uint8_t> wire = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                          7,    'e',  'x',  'a',  'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
                                          0,    15,   0,    1};
  auto m = parse_message(wire);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->header.id, 0x1234);
  EXPECT_TRUE(m->header.rd);
  EXPECT_FALSE(m->header.qr);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0], (Question{"example.com", RrType::MX, kClassIn}));
  EXPECT_EQ(encode(*m), wire);
}

TEST(DnsMessage, EveryRecordTypeRoundTrips) {
  Message m = make_response(query("example.com", RrType::ANY), Rcode::NoError);
  m.header.aa = true;
  m.answers = {rr("example.com", RrType::A, "192.0.2.1"),
               rr("example.com", RrType::AAAA, "2001:db8::1"),
               rr("example.com", RrType::MX, "10 mx1.example.com"),
               rr("example.com", RrType::TXT, "v=spf1 -all"),
               rr("www.example.com", RrType::CNAME, "example.com"),
               rr("example.com", RrType::NS, "ns1.example.net")};
  m.authority = {rr("example.com", RrType::SOA, "ns1.example.net hostmaster.example.com 7 3600 600 86400 60")};
  const Message back = round_trip(m);
  EXPECT_EQ(back, m);
  EXPECT_EQ(format_rdata(back.answers[0]), "192.0.2.1");
  EXPECT_EQ(format_rdata(back.answers[1]), "2001:db8::1");
  EXPECT_EQ(format_rdata(back.answers[2]), "10 mx1.example.com");
  EXPECT_EQ(format_rdata(back.authority[0]), "ns1.example.net hostmaster.example.com 7 3600 600 86400 60");
}

TEST(DnsMessage, RepeatedNamesAreCompressedToPointers) {
  Message m = make_response(query("example.com", RrType::MX), Rcode::NoError);
  m.answers = {rr("example.com", RrType::MX, "10 mx1.example.com"), rr("example.com", RrType::MX, "20 mx2.example.com")};
  const auto wire = encode(m);
  // Question name at offset 12; both owners and the exchanges' suffix point back to it.
  const std::uint8_t to_question[] = {0xC0, 0x0C};
  const auto pointers = std::count_if(wire.begin(), wire.end() - 1, [&, i = std::size_t{0}](std::uint8_t) mutable {
    const bool hit = wire[i] == to_question[0] && wire[i + 1] == to_question[1];
    ++i;
    return hit;
  });
  EXPECT_EQ(pointers, 4);
  EXPECT_EQ(wire.size(), 29u + 2 * (2 + 10 + 2 + 4 + 2));  // each MX: ptr, fixed, pref, "mxN", ptr
  EXPECT_EQ(round_trip(m), m);
}

TEST(DnsMessage, CompressionPreservesTheCaseOfEachName) {
  Message m = make_response(query("ExAmPle.COM", RrType::A), Rcode::NoError);
  m.answers = {rr("example.com", RrType::A, "192.0.2.1")};
  const Message back = round_trip(m);
  EXPECT_EQ(back.questions[0].name, "ExAmPle.COM");
  EXPECT_EQ(back.answers[0].name, "example.com");
  EXPECT_TRUE(names_equal(back.questions[0].name, back.answers[0].name));
}

TEST(DnsMessage, NullMxKeepsTheRootAsExchange) {
  Message m = make_response(query("nomail.example", RrType::MX), Rcode::NoError);
  m.answers = {rr("nomail.example", RrType::MX, "0 .")};
  const Message back = round_trip(m);
  ASSERT_EQ(back.answers.size(), 1u);
  EXPECT_EQ(std::get<MxData>(back.answers[0].data), (MxData{0, "."}));
}

TEST(DnsMessage, EveryRcodeRoundTrips) {
  for (Rcode rc : {Rcode::NoError, Rcode::FormErr, Rcode::ServFail, Rcode::NxDomain, Rcode::NotImp, Rcode::Refused}) {
    const Message back = round_trip(make_response(query("example.com", RrType::A), rc));
    EXPECT_EQ(back.header.rcode, rc) << to_string(rc);
    EXPECT_TRUE(back.header.qr);
    EXPECT_EQ(back.header.id, 0x1234);
  }
}

TEST(DnsMessage, NxDomainCarriesSoaInAuthority) {
  Message m = make_response(query("missing.example.com", RrType::MX), Rcode::NxDomain);
  m.authority = {rr("example.com", RrType::SOA, "ns.example.com hostmaster.example.com 1 3600 600 86400 60")};
  const Message back = round_trip(m);
  EXPECT_EQ(back.header.rcode, Rcode::NxDomain);
  EXPECT_TRUE(back.answers.empty());
  ASSERT_EQ(back.authority.size(), 1u);
  EXPECT_EQ(std::get<SoaData>(back.authority[0].data).minimum, 60u);
}

TEST(DnsMessage, OversizeUdpAnswerIsTruncatedWithTc) {
  Message m = make_response(query("big.example.com", RrType::TXT), Rcode::NoError);
  for (int i = 0; i < 20; ++i) m.answers.push_back(rr("big.example.com", RrType::TXT, std::string(60, 'a' + i)));
  const auto wire = encode(m, udp_response_limit(query("big.example.com", RrType::TXT)));
  EXPECT_LE(wire.size(), kMaxUdpPayload);
  auto back = parse_message(wire);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back->header.tc);
  EXPECT_GT(back->answers.size(), 0u);
  EXPECT_LT(back->answers.size(), 20u);
  EXPECT_FALSE(round_trip(m).header.tc);  // the same answer over TCP fits
}

TEST(DnsMessage, DroppingOnlyAdditionalRecordsDoesNotSetTc) {
  Message m = make_response(query("example.com", RrType::MX), Rcode::NoError);
  m.answers = {rr("example.com", RrType::MX, "10 mx1.example.com")};
  for (int i = 0; i < 40; ++i) m.additional.push_back(rr("mx1.example.com", RrType::AAAA, "2001:db8::" + std::to_string(i + 1)));
  const Message back = round_trip(m, kMaxUdpPayload);
  EXPECT_FALSE(back.header.tc);  // RFC 2181 section 9
  EXPECT_EQ(back.answers.size(), 1u);
  EXPECT_LT(back.additional.size(), 40u);
}

TEST(DnsMessage, EdnsPayloadSizeDecidesTheUdpLimit) {
  Message q = query("example.com", RrType::A);
  EXPECT_EQ(udp_response_limit(q), 512u);
  q.edns_udp_size = 4096;
  const Message back = round_trip(q);
  EXPECT_EQ(back.edns_udp_size, 4096);
  EXPECT_TRUE(back.additional.empty());
  EXPECT_EQ(udp_response_limit(back), 4096u);
  q.edns_udp_size = 100;  // RFC 6891 section 6.2.5: below 512 counts as 512
  EXPECT_EQ(udp_response_limit(q), 512u);
  EXPECT_EQ(make_response(back, Rcode::NoError).edns_udp_size, kServerEdnsPayload);
}

TEST(DnsMessage, TruncationKeepsTheOptRecord) {
  Message q = query("big.example.com", RrType::A);
  q.edns_udp_size = 600;
  Message m = make_response(q, Rcode::NoError);
  for (int i = 0; i < 100; ++i) m.answers.push_back(rr("big.example.com", RrType::A, "192.0.2." + std::to_string(i)));
  const auto wire = encode(m, udp_response_limit(q));
  EXPECT_LE(wire.size(), 600u);
  auto back = parse_message(wire);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back->header.tc);
  EXPECT_EQ(back->edns_udp_size, kServerEdnsPayload);
}

TEST(DnsMessage, NamesWithEscapesRoundTrip) {
  Message m = make_response(query("a\\.b.example.com", RrType::TXT), Rcode::NoError);
  m.answers = {rr("a\\.b.example.com", RrType::TXT, "x"), rr("sp\\032ace.example.com", RrType::A, "192.0.2.1")};
  const Message back = round_trip(m);
  EXPECT_EQ(back.questions[0].name, "a\\.b.example.com");
  EXPECT_EQ(back.answers[1].name, "sp\\032ace.example.com");
}

TEST(DnsMessage, InvalidNamesAreEncodeErrors) {
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'b') + ".";
  for (const std::string& bad : {long_label + ".com", long_name, std::string("a..b"), std::string(".a"), std::string("a\\")}) {
    auto wire = encode_message(query(bad, RrType::A));
    EXPECT_FALSE(wire.ok()) << bad;
  }
}

TEST(DnsMessage, MakeRecordRejectsBadPresentationData) {
  struct Case {
    RrType type;
    const char* text;
  };
  for (const Case& c : {Case{RrType::A, "300.1.1.1"}, Case{RrType::A, "::1"}, Case{RrType::AAAA, "192.0.2.1"},
                        Case{RrType::MX, "mx1.example.com"}, Case{RrType::MX, "70000 mx"}, Case{RrType::MX, "10 a b"},
                        Case{RrType::SOA, "ns hostmaster 1 2 3"}, Case{RrType::CNAME, "a..b"}, Case{RrType::OPT, "x"}}) {
    EXPECT_FALSE(make_record("example.com", c.type, 60, c.text).ok()) << to_string(c.type) << " " << c.text;
  }
  auto txt = make_record("example.com", RrType::TXT, 60, std::string(600, 't'));
  ASSERT_TRUE(txt.ok());
  EXPECT_EQ(std::get<TxtData>(txt->data).strings.size(), 3u);  // 255 + 255 + 90
  EXPECT_EQ(format_rdata(*txt), std::string(600, 't'));
}

TEST(DnsMessage, TypeNamesParseCaseInsensitively) {
  EXPECT_EQ(parse_rr_type("mx"), RrType::MX);
  EXPECT_EQ(parse_rr_type("AAAA"), RrType::AAAA);
  EXPECT_EQ(parse_rr_type("TYPE99"), static_cast<RrType>(99));
  EXPECT_EQ(parse_rr_type("BOGUS"), std::nullopt);
  EXPECT_EQ(to_string(static_cast<RrType>(99)), "TYPE99");
  EXPECT_EQ(normalize_name("Mail.Example.COM."), "mail.example.com");
  EXPECT_EQ(normalize_name("."), "");
}
