// Envelope record JSON: golden form, round trip, and the errors from_json reports.
#include "mta/spool/message_record.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::spool;

namespace {

TimePoint at_ms(long long ms) { return TimePoint{Millis{ms}}; }

MessageRecord sample() {
  MessageRecord r;
  r.id = 0x0a1b2c3d;
  r.sender = "alice@example.org";
  r.received = at_ms(1700000000123);
  r.received_from = "127.0.0.1:53422";
  r.helo = "client.example.org";
  r.size = 1234;
  r.meta = {{"tenant", "t1"}};
  EnvelopeRecord e;
  e.id = make_envelope_id(r.id, 1);
  e.recipient = "bob@example.com";
  e.next_attempt = at_ms(1700000060000);
  r.envelopes.push_back(e);
  return r;
}

const char* kGolden =
    R"({"version":1,"id":"0a1b2c3d","sender":"alice@example.org","received":1700000000123,)"
    R"("received_from":"127.0.0.1:53422","helo":"client.example.org","size":1234,"meta":{"tenant":"t1"},)"
    R"("envelopes":[{"id":"0a1b2c3d00000001","recipient":"bob@example.com","state":"pending",)"
    R"("attempts":0,"next_attempt":1700000060000,"last_attempt":0,"last_error":""}]})";

TEST(MessageRecord, SerialisesToVersionedGoldenJson) { EXPECT_EQ(sample().to_json(), kGolden); }

TEST(MessageRecord, RoundTripsEveryField) {
  MessageRecord r = sample();
  r.envelopes[0].state = EnvelopeState::Bounced;
  r.envelopes[0].attempts = 3;
  r.envelopes[0].last_attempt = at_ms(1700000070000);
  r.envelopes[0].last_error = "550 5.1.1 no such user";
  auto back = MessageRecord::from_json(r.to_json());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->to_json(), r.to_json());
  EXPECT_EQ(back->envelopes[0].state, EnvelopeState::Bounced);
  EXPECT_EQ(back->received, r.received);
}

struct BadCase {
  std::string from, to, error;
};

TEST(MessageRecord, FromJsonNamesTheProblem) {
  const std::vector<BadCase> cases = {
      {R"("version":1)", R"("version":2)",
       "envelope record: unsupported version 2 (this build reads version 1)"},
      {R"("version":1,)", "", "envelope record.version: missing field"},
      {R"("sender":"alice@example.org",)", "", "envelope record.sender: missing field"},
      {R"("size":1234)", R"("size":"big")", "envelope record.size: expected an integer"},
      {R"("id":"0a1b2c3d")", R"("id":"zz")", "envelope record.id: bad message id 'zz'"},
      {R"("state":"pending")", R"("state":"lost")",
       "envelope record.envelopes[0].state: unknown state 'lost'"},
      {R"(,"last_error":"")", "", "envelope record.envelopes[0].last_error: missing field"},
      {R"("tenant":"t1")", R"("tenant":1)", "envelope record.meta.tenant: expected a string"},
      {kGolden, "[]", "envelope record: expected a JSON object"},
  };
  for (const auto& c : cases) {
    std::string text = kGolden;
    auto pos = text.find(c.from);
    ASSERT_NE(pos, std::string::npos) << c.from;
    text.replace(pos, c.from.size(), c.to);
    auto r = MessageRecord::from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error(), c.error);
  }
}

TEST(MessageRecord, BadJsonIsAnErrorNotAnException) {
  auto r = MessageRecord::from_json("{\"version\":");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind("envelope record: bad JSON: ", 0), 0u) << r.error();
}

TEST(MessageRecord, DoneWhenNoEnvelopePending) {
  MessageRecord r = sample();
  EXPECT_FALSE(r.done());
  r.envelopes[0].state = EnvelopeState::Delivered;
  EXPECT_TRUE(r.done());
}

TEST(EnvelopeState, NamesAreLowerCase) {
  EXPECT_EQ(to_string(EnvelopeState::Pending), "pending");
  EXPECT_EQ(to_string(EnvelopeState::Delivered), "delivered");
  EXPECT_EQ(to_string(EnvelopeState::Bounced), "bounced");
  EXPECT_EQ(to_string(EnvelopeState::Expired), "expired");
}

TEST(DomainOf, LowerCasesThePartAfterTheLastAt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"User@Example.COM", "example.com"},
      {"\"a@b\"@c.example", "c.example"},
      {"postmaster", ""},
      {"", ""},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(domain_of(in), want) << in;
}

}  // namespace
