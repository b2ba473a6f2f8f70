// Postfix-style lines: the exact shapes Postfix log readers match (sent, deferred, bounced,
// relay=none, queue active, message-id, removed), and Postfix's delay number format.
#include "mta/log/postfix_line.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::log;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0 = TimePoint{} + 1'764'000'000s;

LogRecord record(RecordType type, int code, std::optional<smtp::EnhancedCode> enhanced, std::string content,
                 std::string command) {
  LogRecord r;
  r.type = type;
  r.id = "3F2A9C1B";
  r.recipient = "bob@example.com";
  r.sender = "alice@example.org";
  r.response = {code, enhanced, std::move(content), std::move(command)};
  r.peer_address = {"mx1.example.com", "127.0.0.2"};
  r.created = kT0;
  r.timestamp = kT0 + 390ms;
  return r;
}

const PostfixDelays kDelays{80ms, 10ms, 200ms, 100ms};

}  // namespace

TEST(PostfixDelay, TwoSignificantDigitsTruncated) {
  struct Row {
    Millis in;
    const char* out;
  };
  const Row rows[] = {{0ms, "0"},     {9ms, "0"},       {10ms, "0.01"},  {81ms, "0.08"},   {200ms, "0.2"},
                      {390ms, "0.39"}, {999ms, "0.99"}, {1000ms, "1"},   {1530ms, "1.5"},  {9990ms, "9.9"},
                      {10s, "10"},     {12999ms, "12"}, {123456ms, "123"}, {-5ms, "0"}};
  for (const auto& row : rows) EXPECT_EQ(format_postfix_delay(row.in), row.out) << row.in.count();
}

TEST(PostfixLine, SentShowsRelayDelaysDsnAndReply) {
  auto r = record(RecordType::Delivery, 250, smtp::EnhancedCode{2, 0, 0}, "Ok: queued as 7E1D2A", ".");
  EXPECT_EQ(postfix_recipient_line(r, kDelays),
            "3F2A9C1B: to=<bob@example.com>, relay=mx1.example.com[127.0.0.2]:25, delay=0.39, "
            "delays=0.08/0.01/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7E1D2A)");
}

TEST(PostfixLine, DeferredNamesHostAndCommand) {
  auto r = record(RecordType::TransientFailure, 451, smtp::EnhancedCode{4, 7, 1}, "greylisted, try again later",
                  "RCPT TO:<bob@example.com>");
  EXPECT_EQ(postfix_recipient_line(r, kDelays, 2525),
            "3F2A9C1B: to=<bob@example.com>, relay=mx1.example.com[127.0.0.2]:2525, delay=0.39, "
            "delays=0.08/0.01/0.2/0.1, dsn=4.7.1, status=deferred (host mx1.example.com[127.0.0.2] said: "
            "451 4.7.1 greylisted, try again later (in reply to RCPT TO command))");
}

TEST(PostfixLine, BouncedAtEndOfData) {
  auto r = record(RecordType::Bounce, 554, smtp::EnhancedCode{5, 6, 0}, "content rejected", ".");
  EXPECT_EQ(postfix_recipient_line(r, kDelays),
            "3F2A9C1B: to=<bob@example.com>, relay=mx1.example.com[127.0.0.2]:25, delay=0.39, "
            "delays=0.08/0.01/0.2/0.1, dsn=5.6.0, status=bounced (host mx1.example.com[127.0.0.2] said: "
            "554 5.6.0 content rejected (in reply to end of DATA command))");
}

TEST(PostfixLine, MailFromAndGreetingRefusals) {
  auto mail = record(RecordType::Bounce, 550, smtp::EnhancedCode{5, 7, 1}, "sender rejected", "MAIL FROM:<alice@example.org>");
  EXPECT_NE(postfix_recipient_line(mail, kDelays).find("(in reply to MAIL FROM command))"), std::string::npos);
  auto banner = record(RecordType::TransientFailure, 421, std::nullopt, "too busy", "");
  EXPECT_NE(postfix_recipient_line(banner, kDelays)
                .find("dsn=4.0.0, status=deferred (host mx1.example.com[127.0.0.2] refused to talk to me: 421 too busy)"),
            std::string::npos);
}

TEST(PostfixLine, NoConnectionIsRelayNone) {
  auto r = record(RecordType::TransientFailure, 451, smtp::EnhancedCode{4, 4, 3},
                  "Host or domain name not found. Name service error for name=example.com type=MX", "");
  r.peer_address = {};
  r.created = {};
  EXPECT_EQ(postfix_recipient_line(r, kDelays),
            "3F2A9C1B: to=<bob@example.com>, relay=none, delay=0.39, delays=0.08/0.01/0.2/0.1, dsn=4.4.3, "
            "status=deferred (Host or domain name not found. Name service error for name=example.com type=MX)");
}

TEST(PostfixLine, ExpirationIsBouncedWithItsOwnText) {
  auto r = record(RecordType::Expiration, 551, smtp::EnhancedCode{5, 4, 7}, "message expired after 5 days", "");
  EXPECT_NE(postfix_recipient_line(r, kDelays).find("dsn=5.4.7, status=bounced (message expired after 5 days)"),
            std::string::npos);
}

TEST(PostfixLine, MultilineReplyIsOneLine) {
  auto r = record(RecordType::Bounce, 550, smtp::EnhancedCode{5, 1, 1}, "no such user\nsee https://example.com", "RCPT TO:<b>");
  std::string line = postfix_recipient_line(r, kDelays);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("no such user see https://example.com"), std::string::npos);
}

TEST(PostfixLine, ReceptionHasNoRecipientLine) {
  EXPECT_EQ(postfix_recipient_line(record(RecordType::Reception, 250, std::nullopt, "", ""), kDelays), "");
}

TEST(PostfixLine, MessageLines) {
  EXPECT_EQ(postfix_client_line("3F2A9C1B", "client.example.org", "127.0.0.9"),
            "3F2A9C1B: client=client.example.org[127.0.0.9]");
  EXPECT_EQ(postfix_message_id_line("3F2A9C1B", "q3@example.org"), "3F2A9C1B: message-id=<q3@example.org>");
  EXPECT_EQ(postfix_message_id_line("3F2A9C1B", "<q3@example.org>"), "3F2A9C1B: message-id=<q3@example.org>");
  EXPECT_EQ(postfix_queue_active_line("3F2A9C1B", "alice@example.org", 10240, 2),
            "3F2A9C1B: from=<alice@example.org>, size=10240, nrcpt=2 (queue active)");
  EXPECT_EQ(postfix_queue_active_line("3F2A9C1B", "", 10, 1), "3F2A9C1B: from=<>, size=10, nrcpt=1 (queue active)");
  EXPECT_EQ(postfix_expired_line("3F2A9C1B", "alice@example.org"),
            "3F2A9C1B: from=<alice@example.org>, status=expired, returned to sender");
  EXPECT_EQ(postfix_removed_line("3F2A9C1B"), "3F2A9C1B: removed");
}

TEST(PostfixLine, SyslogPrefix) {
  EXPECT_EQ(syslog_prefix(kT0, "mtad", "mtad/smtp", 4242), "Nov 24 16:00:00 mtad mtad/smtp[4242]: ");
  EXPECT_EQ(syslog_prefix(kT0 + 24h * 10, "h", "p", 1), "Dec  4 16:00:00 h p[1]: ");
}
