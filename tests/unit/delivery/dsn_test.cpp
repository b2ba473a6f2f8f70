// DSN builder and parser (RFC 3464, RFC 6522): the exact bytes for a two-recipient failure (golden
// file), the rules (no DSN for <>, one DSN for all recipients, headers returned), and round trips.
#include "mta/delivery/dsn.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace mxlab;
using namespace mxlab::delivery;
using namespace std::chrono_literals;

namespace {

const TimePoint kArrival = TimePoint{} + 1'764'000'000s;  // Mon, 24 Nov 2025 16:00:00 +0000

const std::string kOriginal =
    "Received: from client.example.org (client.example.org [127.0.0.9])\r\n"
    "\tby mtad.example.net; Mon, 24 Nov 2025 16:00:00 +0000\r\n"
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.com, carol@example.com\r\n"
    "Subject: quarterly numbers\r\n"
    "Message-ID: <q3@example.org>\r\n"
    "\r\n"
    "The body, which a headers-only DSN does not return.\r\n";

DsnRequest two_failures() {
  DsnRequest r;
  r.original_message = kOriginal;
  r.envelope_sender = "alice@example.org";
  r.reporting_mta = "mtad.example.net";
  r.arrival_date = kArrival;
  r.date = kArrival + 2h;
  r.message_id = "dsn.0a1b2c3d@mtad.example.net";
  DsnRecipient bob;
  bob.final_recipient = "bob@example.com";
  bob.status = {5, 1, 1};
  bob.diagnostic = "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table";
  bob.remote_mta = "mx1.example.com";
  bob.last_attempt = kArrival + 1s;
  DsnRecipient carol;
  carol.final_recipient = "carol@example.com";
  carol.original_recipient = "Carol@Example.com";
  carol.status = {5, 4, 7};
  carol.diagnostic = "451 4.4.1 connection timed out";
  carol.remote_mta = "mx2.example.com";
  carol.last_attempt = kArrival + 2h;
  r.recipients = {bob, carol};
  return r;
}

std::string read_golden(const std::string& name) {
  std::ifstream in(std::string(MXLAB_SOURCE_DIR) + "/tests/unit/delivery/golden/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(Dsn, TwoFailedRecipientsMatchTheGoldenMessage) {
  auto dsn = build_dsn(two_failures());
  ASSERT_TRUE(dsn);
  if (std::getenv("MXLAB_UPDATE_GOLDEN")) {
    std::ofstream(std::string(MXLAB_SOURCE_DIR) + "/tests/unit/delivery/golden/dsn_two_failed.eml", std::ios::binary)
        << *dsn;
  }
  EXPECT_EQ(*dsn, read_golden("dsn_two_failed.eml"));
}

TEST(Dsn, NullSenderNeverGetsADsn) {
  DsnRequest r = two_failures();
  r.envelope_sender.clear();
  EXPECT_FALSE(build_dsn(r));
}

TEST(Dsn, NothingToReportMeansNoDsn) {
  DsnRequest r = two_failures();
  r.recipients.clear();
  EXPECT_FALSE(build_dsn(r));
}

TEST(Dsn, IsAMultipartReportWithTheThreeParts) {
  std::string m = *build_dsn(two_failures());
  EXPECT_NE(m.find("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\""), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=us-ascii"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: message/delivery-status"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/rfc822-headers"), std::string::npos);
  EXPECT_NE(m.find("\r\nAuto-Submitted: auto-replied\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nTo: <alice@example.org>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: Undelivered Mail Returned to Sender"), std::string::npos);
}

TEST(Dsn, EveryLineEndsInCrlfAndFitsTheLineLimit) {
  DsnRequest r = two_failures();
  r.original_message = "Subject: lf only\nX: y\n\nbody\n";
  r.recipients[0].diagnostic = "550 " + std::string(3000, 'x');
  std::string m = *build_dsn(r);
  std::size_t pos = 0;
  while (pos < m.size()) {
    std::size_t crlf = m.find("\r\n", pos);
    ASSERT_NE(crlf, std::string::npos);
    std::string_view line(m.data() + pos, crlf - pos);
    EXPECT_EQ(line.find('\n'), std::string_view::npos);
    EXPECT_EQ(line.find('\r'), std::string_view::npos);
    pos = crlf + 2;
  }
  EXPECT_NE(m.find("Subject: lf only\r\nX: y\r\n"), std::string::npos);
}

TEST(Dsn, HeadersOnlyLeavesTheBodyOut) {
  std::string m = *build_dsn(two_failures());
  EXPECT_NE(m.find("Subject: quarterly numbers"), std::string::npos);
  EXPECT_EQ(m.find("The body"), std::string::npos);
}

TEST(Dsn, FullReturnEnclosesTheMessage) {
  DsnRequest r = two_failures();
  r.return_content = DsnReturn::Full;
  std::string m = *build_dsn(r);
  EXPECT_NE(m.find("Content-Type: message/rfc822"), std::string::npos);
  EXPECT_NE(m.find("The body"), std::string::npos);
  auto parsed = parse_dsn(m);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_NE(parsed->returned_headers.find("Message-ID: <q3@example.org>"), std::string::npos);
}

TEST(Dsn, ReplyTextCannotInjectFields) {
  DsnRequest r = two_failures();
  r.recipients[0].diagnostic = "550 no\r\nAction: delivered\r\n\r\nFinal-Recipient: rfc822; evil@x";
  auto parsed = parse_dsn(*build_dsn(r));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->recipients.size(), 2u);
  EXPECT_EQ(parsed->recipients[0].action, "failed");
}

TEST(Dsn, BoundaryAvoidsTheEnclosedContent) {
  DsnRequest r = two_failures();
  std::string first = *build_dsn(r);
  std::size_t b = first.find("boundary=\"") + 10;
  std::string boundary = first.substr(b, first.find('"', b) - b);
  r.original_message = "X-Trap: --" + boundary + "\r\n\r\nbody\r\n";
  std::string second = *build_dsn(r);
  std::size_t b2 = second.find("boundary=\"") + 10;
  EXPECT_NE(second.substr(b2, second.find('"', b2) - b2), boundary);
  EXPECT_TRUE(parse_dsn(second).ok());
}

TEST(Dsn, DelayedOnlyReportSaysItIsStillTrying) {
  DsnRequest r = two_failures();
  r.recipients.resize(1);
  r.recipients[0].action = DsnAction::Delayed;
  r.recipients[0].status = {4, 4, 1};
  r.recipients[0].will_retry_until = kArrival + 120h;
  std::string m = *build_dsn(r);
  EXPECT_NE(m.find("Subject: Delayed Mail (still being retried)"), std::string::npos);
  auto parsed = parse_dsn(m);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->recipients[0].action, "delayed");
  EXPECT_EQ(parsed->recipients[0].will_retry_until, "Sat, 29 Nov 2025 16:00:00 +0000");
}

TEST(DsnParse, ReadsBackWhatTheBuilderWrote) {
  auto parsed = parse_dsn(*build_dsn(two_failures()));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->report_type, "delivery-status");
  EXPECT_EQ(parsed->reporting_mta, "mtad.example.net");
  EXPECT_EQ(parsed->arrival_date, "Mon, 24 Nov 2025 16:00:00 +0000");
  ASSERT_EQ(parsed->recipients.size(), 2u);
  const auto* bob = parsed->recipient("BOB@example.com");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->action, "failed");
  EXPECT_EQ(bob->status, "5.1.1");
  EXPECT_EQ(bob->remote_mta, "mx1.example.com");
  EXPECT_EQ(bob->diagnostic_code,
            "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table");
  EXPECT_EQ(bob->last_attempt_date, "Mon, 24 Nov 2025 16:00:01 +0000");
  const auto* carol = parsed->recipient("carol@example.com");
  ASSERT_NE(carol, nullptr);
  EXPECT_EQ(carol->original_recipient, "Carol@Example.com");
  EXPECT_EQ(carol->status, "5.4.7");
  EXPECT_NE(parsed->returned_headers.find("Subject: quarterly numbers\r\n"), std::string::npos);
  EXPECT_EQ(parsed->returned_headers.find("The body"), std::string::npos);
}

// A DSN as another MTA writes it: LF line ends, lower-case field names, quoted parameters elsewhere.
TEST(DsnParse, ReadsAForeignStyleReport) {
  const std::string foreign =
      "From: MAILER-DAEMON@mx.example.org\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "Content-Type: multipart/report; boundary=\"B1/x\";\n"
      "  report-type=\"delivery-status\"\n"
      "\n"
      "--B1/x\n"
      "Content-Type: text/plain\n\nhuman text\n"
      "--B1/x\n"
      "content-type: message/delivery-status\n\n"
      "reporting-mta: dns; mx.example.org\n\n"
      "final-recipient: RFC822; dave@example.com\n"
      "action: FAILED\n"
      "status: 5.2.2\n"
      "diagnostic-code: smtp; 552 5.2.2 mailbox\n"
      "  full\n"
      "--B1/x--\n";
  auto parsed = parse_dsn(foreign);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  ASSERT_EQ(parsed->recipients.size(), 1u);
  EXPECT_EQ(parsed->recipients[0].final_recipient, "dave@example.com");
  EXPECT_EQ(parsed->recipients[0].action, "failed");
  EXPECT_EQ(parsed->recipients[0].diagnostic_code, "552 5.2.2 mailbox full");
}

TEST(DsnParse, RefusesWhatIsNotADsn) {
  EXPECT_FALSE(parse_dsn("").ok());
  EXPECT_FALSE(parse_dsn("Subject: hi\r\n\r\nbody\r\n").ok());
  EXPECT_FALSE(parse_dsn("Content-Type: multipart/report\r\n\r\n").ok());
  EXPECT_FALSE(parse_dsn("Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\n\r\n--x--\r\n").ok());
  EXPECT_FALSE(parse_dsn("Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\n"
                         "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; a\r\n--x--\r\n")
                   .ok());
}

TEST(DsnHeaders, HeaderSectionStopsAtTheBlankLine) {
  EXPECT_EQ(header_section("A: 1\r\nB: 2\r\n\r\nbody\r\n"), "A: 1\r\nB: 2\r\n");
  EXPECT_EQ(header_section("A: 1\nB: 2\n\nbody\n"), "A: 1\r\nB: 2\r\n");
  EXPECT_EQ(header_section("A: 1\r\n"), "A: 1\r\n");
  EXPECT_EQ(header_section("\r\nbody only\r\n"), "");
}
