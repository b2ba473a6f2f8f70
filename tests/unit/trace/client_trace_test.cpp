// ClientTrace: nothing is built without a subscriber; conn_meta keys appear when they become
// known and per-connection facts are forgotten when the connection closes; Closed at the end.
#include "mta/trace/client_trace.hpp"

#include <gtest/gtest.h>

#include "mta/trace/trace_hub.hpp"

using namespace mxlab::trace;

namespace {
ClientTraceFacts facts() {
  ClientTraceFacts f;
  f.ready_queue_name = [](std::string_view site) { return "unspecified->" + std::string(site) + "@smtp_client"; };
  f.message_id = "0a1b2c3d";
  f.sender = "a@x.example";
  f.recipients = {"b@y.example"};
  f.domain = "y.example";
  f.queue_name = "y.example";
  return f;
}
}  // namespace

TEST(ClientTrace, BuildsNothingWithoutSubscriber) {
  TraceHub hub;
  auto f = facts();
  {
    ClientTrace t(&hub, &f);
    t.begin("mx.y.example", {{"mx.y.example", 10, {"127.0.0.2"}}});
    t.connecting("mx.y.example", "127.0.0.2", 25);
    t.write("EHLO x\r\n");
  }
  EXPECT_EQ(hub.totals(Direction::Client).produced, 0u);
}

TEST(ClientTrace, MetaGrowsAsTheSessionLearns) {
  TraceHub hub;
  auto sub = hub.subscribe({Direction::Client});
  auto f = facts();
  {
    ClientTrace t(&hub, &f);
    t.begin("mx.y.example", {{"mx.y.example", 10, {"127.0.0.2"}}});
    t.connecting("mx.y.example", "127.0.0.2", 25);
    t.connected("127.0.0.1");
    t.message_obtained();
    t.write("MAIL FROM:<a@x.example>\r\n");
    t.disconnected();
  }
  auto begin = sub->try_next();
  ASSERT_TRUE(begin);
  EXPECT_EQ(begin->kind, EventKind::BeginSession);
  EXPECT_EQ(begin->meta->at("ready_queue_name").as_string(), "unspecified->mx.y.example@smtp_client");
  EXPECT_FALSE(begin->meta->contains("mx_host"));
  auto connecting = sub->try_next();
  EXPECT_EQ(connecting->meta->at("mx_address").as_string(), "127.0.0.2:25");
  auto connected = sub->try_next();
  EXPECT_EQ(connected->kind, EventKind::Connected);
  EXPECT_EQ(connected->meta->at("source_address").as_string(), "127.0.0.1");
  EXPECT_FALSE(connected->meta->contains("sender"));
  auto obtained = sub->try_next();
  EXPECT_EQ(obtained->meta->at("sender").as_string(), "a@x.example");
  EXPECT_EQ(obtained->meta->at("recipient").as_string(), "b@y.example");
  EXPECT_TRUE(obtained->meta->at("campaign").is_null());
  auto write = sub->try_next();
  EXPECT_EQ(write->meta, obtained->meta) << "events share one conn_meta snapshot until a fact changes";
  auto gone = sub->try_next();
  EXPECT_EQ(gone->kind, EventKind::Diagnostic);
  auto closed = sub->try_next();
  EXPECT_EQ(closed->kind, EventKind::Closed);
  EXPECT_FALSE(closed->meta->contains("sender"));
  EXPECT_EQ(closed->meta->at("id").as_string(), begin->meta->at("id").as_string());
  EXPECT_EQ(closed->meta->at("id").as_string().size(), 36u);
}
