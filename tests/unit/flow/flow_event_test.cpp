// Log line parsing: mtad JSON records and each Postfix line shape the tracer uses, both syslog
// timestamp formats, and the lines it must ignore.
#include "mta/flow/flow_event.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace mxlab;
using namespace mxlab::flow;
using namespace std::chrono_literals;

namespace {
std::int64_t unix_seconds(TimePoint t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }
}  // namespace

TEST(QueuedAs, TakesTheIdAfterTheMarker) {
  EXPECT_EQ(queued_as("250 2.0.0 Ok: queued as 9EF8A12BC3D"), "9EF8A12BC3D");
  EXPECT_EQ(queued_as("250 2.0.0 Ok: queued as 4VqXyZ1m2Pz9kLw (more)"), "4VqXyZ1m2Pz9kLw");
  EXPECT_EQ(queued_as("250 2.0.0 <bob@example.com> yHk2AQ Saved"), "");
}

TEST(MtadRecord, DeliveryCarriesRelayQueuedAsMessageIdAndDelays) {
  auto e = parse_log_line(
      R"({"type":"Delivery","id":"0a1b2c3d","sender":"a@x.test","recipient":"b@y.test","response":{"code":250,)"
      R"("enhanced_code":{"class":2,"subject":0,"detail":0},"content":"Ok: queued as 5e6f7a8b","command":"."},)"
      R"("peer_address":{"name":"hub.mxlab.test","addr":"127.0.0.3"},"timestamp":1700000060,"created":1700000000,)"
      R"("num_attempts":1,"meta":{},"headers":{"Message-ID":"<m1@x.test>"},"delays":{"before_queue":0,"in_queue":1.5,)"
      R"("connection_setup":0.012,"transmission":0.25}})",
      "edge.mxlab.test", 2026);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, EventKind::Sent);
  EXPECT_EQ(e->host, "edge.mxlab.test");
  EXPECT_EQ(e->queue_id, "0a1b2c3d");
  EXPECT_EQ(e->message_id, "<m1@x.test>");
  EXPECT_EQ(e->relay_name, "hub.mxlab.test");
  EXPECT_EQ(e->relay_addr, "127.0.0.3");
  EXPECT_EQ(e->queued_as, "5e6f7a8b");
  EXPECT_EQ(e->reply, "250 2.0.0 Ok: queued as 5e6f7a8b");
  EXPECT_EQ(e->dsn, "2.0.0");
  EXPECT_EQ(unix_seconds(e->time), 1700000060);
  ASSERT_TRUE(e->delays);
  EXPECT_EQ(e->delays->in_queue, 1500ms);
  EXPECT_EQ(e->delays->connection_setup, 12ms);
  EXPECT_EQ(e->delays->transmission, 250ms);
}

TEST(MtadRecord, ReceptionNamesTheClient) {
  auto e = parse_log_line(R"({"type":"Reception","id":"0a1b2c3d","sender":"a@x.test","recipient":"b@y.test",)"
                          R"("peer_address":{"name":"client.test","addr":"127.0.0.1:40000"},"timestamp":5})",
                          "edge", 2026);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, EventKind::Received);
  EXPECT_EQ(e->client, "client.test[127.0.0.1]");
  EXPECT_TRUE(e->relay_name.empty());
}

TEST(FlowTime, GarbledDatesAreRefusedNotOverflowed) {  // fuzz: "Feb5-07-21T10:05:34..." gave year -1
  EXPECT_FALSE(parse_log_line("Feb5-07-21T10:05:34.120311+00:00 mailbox postfix/smtpd[501]: 4VqXyZ1m2Pz9kLw: "
                              "client=relay.example.com[10.0.0.12]", "h", 2026));
  EXPECT_FALSE(parse_log_line(R"({"type":"Delivery","id":"0a1b2c3d","timestamp":-62149730066})", "h", 2026));
  EXPECT_FALSE(unix_time(9214646400));
  EXPECT_FALSE(unix_time(65655914734));  // fuzz: year 4050
  EXPECT_TRUE(unix_time(0));
}

TEST(MtadRecord, AbsurdDelaysReadAsZero) {  // fuzz: "transmission":6.7e59 overflowed
  auto e = parse_log_line(R"({"type":"Delivery","id":"0a1b2c3d","timestamp":1700000000,)"
                          R"("delays":{"before_queue":0.5,"in_queue":-1,"connection_setup":1e300,"transmission":6.7e59}})",
                          "h", 2026);
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->delays);
  EXPECT_EQ(e->delays->before_queue, 500ms);
  EXPECT_EQ(e->delays->in_queue, 0ms);
  EXPECT_EQ(e->delays->transmission, 0ms);
  EXPECT_FALSE(millis_of_seconds(std::nan("")));
}

TEST(MtadRecord, IgnoresOtherJson) {
  EXPECT_FALSE(parse_log_line(R"({"type":"Rejection","id":"x"})", "h", 2026));
  EXPECT_FALSE(parse_log_line(R"({"type":"Delivery")", "h", 2026));
  EXPECT_FALSE(parse_log_line("", "h", 2026));
}

TEST(PostfixLine, AbsurdDelaysAreDroppedNotOverflowed) {  // fuzz: delays=0.05/4444...4.0 overflowed
  auto e = parse_log_line(
      "Jul 21 10:00:03 mx-in postfix/smtp[2110]: 8DCB211F769: to=<bob@example.com>, "
      "relay=relay.example.com[10.0.0.12]:25, delay=1.2, delays=0.05/44444444444444444444444444444444440/0/nan, "
      "dsn=2.0.0, status=sent (250 2.0.0 Ok)",
      "mx-in.example.com", 2025);
  ASSERT_TRUE(e);  // the line is still read; only its delays are not believed
  EXPECT_FALSE(e->delays);
}

TEST(PostfixLine, SentWithRelayDelaysAndQueuedAs) {
  auto e = parse_log_line(
      "Jul 21 10:00:03 mx-in postfix/smtp[2110]: 8DCB211F769: to=<bob@example.com>, "
      "relay=relay.example.com[10.0.0.12]:25, delay=1.2, delays=0.61/0.01/0.3/0.28, dsn=2.0.0, "
      "status=sent (250 2.0.0 Ok: queued as 9EF8A12BC3D)",
      "mx-in.example.com", 2025);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, EventKind::Sent);
  EXPECT_EQ(e->host, "mx-in.example.com");
  EXPECT_EQ(e->queue_id, "8DCB211F769");
  EXPECT_EQ(e->recipient, "bob@example.com");
  EXPECT_EQ(e->relay_name, "relay.example.com");
  EXPECT_EQ(e->relay_addr, "10.0.0.12");
  EXPECT_EQ(e->queued_as, "9EF8A12BC3D");
  EXPECT_EQ(e->reply, "250 2.0.0 Ok: queued as 9EF8A12BC3D");
  EXPECT_EQ(e->dsn, "2.0.0");
  EXPECT_EQ(unix_seconds(e->time), 1753092003);  // 2025-07-21 10:00:03 UTC
  ASSERT_TRUE(e->delays);
  EXPECT_EQ(e->delays->before_queue, 610ms);
  EXPECT_EQ(e->delays->transmission, 280ms);
}

TEST(PostfixLine, DeferredWithoutRelay) {
  auto e = parse_log_line(
      "Jul 21 10:00:33 relay postfix/smtp[3310]: 9EF8A12BC3D: to=<bob@example.com>, relay=none, delay=30, "
      "delays=0.02/0/30/0, dsn=4.4.1, status=deferred (connect to mailbox.example.com[10.0.0.20]:25: Connection "
      "timed out)",
      "relay", 2025);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, EventKind::Deferred);
  EXPECT_EQ(e->relay_name, "");
  EXPECT_EQ(e->reply, "connect to mailbox.example.com[10.0.0.20]:25: Connection timed out");
}

TEST(PostfixLine, ReceptionShapes) {
  auto client = parse_log_line("Jul 21 10:00:01 mx-in postfix/smtpd[2101]: 8DCB211F769: client=a.test[192.0.2.1]",
                               "h", 2025);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->kind, EventKind::Received);
  EXPECT_EQ(client->client, "a.test[192.0.2.1]");
  auto mid = parse_log_line("Jul  1 10:00:02 mx-in postfix/cleanup[2105]: 8DCB211F769: message-id=<m@x>", "h", 2025);
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->message_id, "<m@x>");
  EXPECT_EQ(unix_seconds(mid->time), 1751364002);  // 2025-07-01, single-digit day padded with a space
  auto queued = parse_log_line(
      "Jul 21 10:00:02 mx-in postfix/qmgr[1020]: 8DCB211F769: from=<alice@gmail.com>, size=4242, nrcpt=1 (queue "
      "active)",
      "h", 2025);
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->kind, EventKind::Queued);
  EXPECT_EQ(queued->sender, "alice@gmail.com");
  auto removed = parse_log_line("Jul 21 10:00:03 mx-in postfix/qmgr[1020]: 8DCB211F769: removed", "h", 2025);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->kind, EventKind::Removed);
}

TEST(PostfixLine, Rfc3339TimestampWithOffset) {
  auto e = parse_log_line(
      "2025-07-21T12:05:34.251874+02:00 mailbox postfix/lmtp[510]: 4VqXyZ1m2Pz9kLw: to=<bob@example.com>, "
      "relay=mailbox.example.com[private/dovecot-lmtp], delay=0.11, delays=0.05/0.01/0.01/0.04, dsn=2.0.0, "
      "status=sent (250 2.0.0 <bob@example.com> yHk2AQ5Yn2bKAQAAf5Lw9A Saved)",
      "mailbox", 1999);
  ASSERT_TRUE(e);
  EXPECT_EQ(unix_seconds(e->time), 1753092334);  // 10:05:34 UTC
  EXPECT_EQ(e->relay_addr, "private/dovecot-lmtp");
  EXPECT_EQ(e->queued_as, "");
}

TEST(PostfixLine, IgnoresLinesWithoutAQueueId) {
  for (const char* line : {
           "Jul 21 10:00:01 mx-in postfix/smtpd[2101]: connect from a.test[192.0.2.1]",
           "Jul 21 09:59:58 mx-in postfix/smtpd[2099]: NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 x",
           "Jul 21 10:02:10 relay postfix/smtp[3312]: warning: mailbox.example.com[10.0.0.20]:25: timed out",
           "Jul 21 10:00:04 mx-in postfix/anvil[1030]: statistics: max connection rate 2/60s",
           "not a log line at all",
       })
    EXPECT_FALSE(parse_log_line(line, "h", 2025)) << line;
}
