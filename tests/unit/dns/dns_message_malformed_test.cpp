// Malformed input for the DNS codec: every case must come back as an error value, never a crash
// or an out-of-bounds read (run under ASan via MXLAB_SANITIZE). Includes compression loops and a
// deterministic mutation sweep in the spirit of the fuzz target.
#include <gtest/gtest.h>

#include <random>

#include "mta/dns/dns_message.hpp"

using namespace mxlab::dns;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Header with the given counts, followed by `body`.
Bytes packet(std::uint16_t qd, std::uint16_t an, std::uint16_t ns, std::uint16_t ar, Bytes body) {
  Bytes out = {0xAB, 0xCD, 0x81, 0x80, 0, std::uint8_t(qd), 0, std::uint8_t(an), 0, std::uint8_t(ns), 0, std::uint8_t(ar)};
  out[4] = std::uint8_t(qd >> 8), out[6] = std::uint8_t(an >> 8), out[8] = std::uint8_t(ns >> 8), out[10] = std::uint8_t(ar >> 8);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

const Bytes kQuestion = {3, 'f', 'o', 'o', 0, 0, 1, 0, 1};  // foo. IN A at offset 12
// An answer header after the question: owner = pointer to the question, then type, class, ttl, rdlength.
Bytes answer(std::uint16_t type, std::uint16_t rdlength, Bytes rdata) {
  Bytes out = kQuestion;
  const Bytes rr = {0xC0, 0x0C, std::uint8_t(type >> 8), std::uint8_t(type), 0, 1, 0, 0, 0, 60,
                    std::uint8_t(rdlength >> 8), std::uint8_t(rdlength)};
  out.insert(out.end(), rr.begin(), rr.end());
  out.insert(out.end(), rdata.begin(), rdata.end());
  return out;
}

struct Case {
  const char* what;
  const char* error;  // a substring of the expected error text
  Bytes wire;
};

std::vector<Case> malformed_cases() {
  Bytes many_labels;
  for (int i = 0; i < 5; ++i) {
    many_labels.push_back(60);
    many_labels.insert(many_labels.end(), 60, 'x');
  }
  many_labels.insert(many_labels.end(), {0, 0, 1, 0, 1});
  return {
      {"empty", "shorter than its 12-octet header", {}},
      {"short header", "shorter than its 12-octet header", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
      {"question count without question", "runs past the end", packet(1, 0, 0, 0, {})},
      {"label past the end", "label runs past the end", packet(1, 0, 0, 0, {5, 'a', 'b'})},
      {"name without terminator", "name runs past the end", packet(1, 0, 0, 0, {3, 'f', 'o', 'o'})},
      {"question without type", "truncated 16-bit", packet(1, 0, 0, 0, {3, 'f', 'o', 'o', 0, 0})},
      {"pointer to itself", "does not point backwards", packet(1, 0, 0, 0, {0xC0, 0x0C, 0, 1, 0, 1})},
      {"forward pointer", "does not point backwards", packet(1, 0, 0, 0, {0xC0, 0x0E, 0, 1, 0, 1, 0})},
      {"loop through a label", "longer than 255", packet(1, 0, 0, 0, {1, 'a', 0xC0, 0x0C, 0, 1, 0, 1})},
      {"two-step loop", "does not point backwards", packet(2, 0, 0, 0, {1, 'a', 0xC0, 0x12, 0, 1, 0, 1, 1, 'b', 0xC0, 0x0C, 0, 1, 0, 1})},
      {"pointer past the end", "does not point backwards", packet(1, 0, 0, 0, {0xFF, 0xFF, 0, 1, 0, 1})},
      {"truncated pointer", "truncated compression pointer", packet(1, 0, 0, 0, {0xC0})},
      {"extended label type 0x40", "unsupported label type", packet(1, 0, 0, 0, {0x41, 'a', 0, 0, 1, 0, 1})},
      {"label type 0x80", "unsupported label type", packet(1, 0, 0, 0, {0x81, 'a', 0, 0, 1, 0, 1})},
      {"name over 255 octets", "longer than 255", packet(1, 0, 0, 0, many_labels)},
      {"answer count without answer", "runs past the end", packet(1, 1, 0, 0, kQuestion)},
      {"huge counts", "runs past the end", packet(0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, kQuestion)},
      {"rdlength past the end", "RDATA runs past the end", packet(1, 1, 0, 0, answer(1, 4, {127, 0}))},
      {"A with 5 octets", "wrong length", packet(1, 1, 0, 0, answer(1, 5, {127, 0, 0, 1, 9}))},
      {"AAAA with 4 octets", "wrong length", packet(1, 1, 0, 0, answer(28, 4, {127, 0, 0, 1}))},
      {"MX shorter than its name", "does not match", packet(1, 1, 0, 0, answer(15, 3, {0, 10, 0xC0, 0x0C}))},
      {"MX longer than its name", "does not match", packet(1, 1, 0, 0, answer(15, 5, {0, 10, 0, 0xEE, 0xEE}))},
      {"MX exchange loops", "does not point backwards", packet(1, 1, 0, 0, answer(15, 4, {0, 10, 0xC0, 0x27}))},
      {"TXT string overruns rdata", "bad TXT string", packet(1, 1, 0, 0, answer(16, 3, {5, 'a', 'b'}))},
      {"SOA missing numbers", "truncated 32-bit", packet(1, 1, 0, 0, answer(6, 6, {0, 0, 0, 0, 0, 1}))},
      {"trailing octets", "trailing octets", [] { Bytes b = packet(1, 0, 0, 0, kQuestion); b.push_back(0); return b; }()},
      {"OPT in the answer section", "outside the additional section", packet(1, 1, 0, 0, [] { Bytes b = kQuestion; b.insert(b.end(), {0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0}); return b; }())},
      {"two OPT records", "more than one OPT", packet(1, 0, 0, 2, [] { Bytes b = kQuestion; for (int i = 0; i < 2; ++i) b.insert(b.end(), {0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0}); return b; }())},
      {"OPT with an owner name", "non-root owner", packet(1, 0, 0, 1, [] { Bytes b = kQuestion; b.insert(b.end(), {0xC0, 0x0C, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0}); return b; }())},
  };
}

}  // namespace

TEST(DnsMessageMalformed, EveryCaseIsAnErrorValue) {
  for (const auto& c : malformed_cases()) {
    auto m = parse_message(c.wire);
    ASSERT_FALSE(m.ok()) << c.what;
    EXPECT_NE(m.error().find(c.error), std::string::npos) << c.what << ": " << m.error();
  }
}

TEST(DnsMessageMalformed, HeaderStillParsesForFormErr) {
  auto h = parse_header(packet(1, 0, 0, 0, {0xC0, 0x0C}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->id, 0xABCD);
  EXPECT_FALSE(parse_header(Bytes{1, 2, 3}).ok());
}

TEST(DnsMessageMalformed, EveryProperPrefixOfAValidMessageIsRejected) {
  Message m;
  m.header = {0x4242, true};
  m.questions.push_back({"example.com", RrType::MX});
  m.answers.push_back(*make_record("example.com", RrType::MX, 60, "10 mx1.example.com"));
  m.authority.push_back(*make_record("example.com", RrType::SOA, 60, "ns.example.com h.example.com 1 2 3 4 5"));
  m.edns_udp_size = 1232;
  const Bytes wire = *encode_message(m);
  ASSERT_TRUE(parse_message(wire).ok());
  for (std::size_t n = 0; n < wire.size(); ++n)
    EXPECT_FALSE(parse_message(std::span(wire.data(), n)).ok()) << "prefix " << n;
}

// Seeded mutations of a valid response: parsing never crashes, and whatever parses re-encodes
// to something that parses to the same message.
TEST(DnsMessageMalformed, MutatedMessagesParseOrFailCleanly) {
  Message m;
  m.header = {0x0101, true};
  m.questions.push_back({"example.com", RrType::MX});
  for (const char* mx : {"10 mx1.example.com", "20 mx2.example.com", "0 ."})
    m.answers.push_back(*make_record("example.com", RrType::MX, 60, mx));
  m.answers.push_back(*make_record("example.com", RrType::TXT, 60, "hello"));
  m.additional.push_back(*make_record("mx1.example.com", RrType::AAAA, 60, "2001:db8::1"));
  const Bytes base = *encode_message(m);
  std::mt19937 rng(20240611);
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes wire = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) wire[rng() % wire.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 4 == 0) wire.resize(rng() % wire.size());
    auto once = parse_message(wire);
    if (!once.ok()) continue;
    ++parsed;
    auto again = encode_message(*once);
    ASSERT_TRUE(again.ok()) << again.error();
    auto twice = parse_message(*again);
    ASSERT_TRUE(twice.ok()) << twice.error();
    EXPECT_EQ(twice->answers, once->answers);
  }
  EXPECT_GT(parsed, 0);
}
