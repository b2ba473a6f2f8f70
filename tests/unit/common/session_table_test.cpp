// The live session table: rows appear and vanish with their handles, state changes are logged,
// counters split by direction and reset on clear, and the event log stays bounded.
#include "mta/common/session_table.hpp"

#include <gtest/gtest.h>

namespace mxlab {
namespace {

TEST(SessionTable, RowLivesAsLongAsItsHandle) {
  ManualClock clock(TimePoint{std::chrono::seconds(1000)});
  SessionTable table(100, clock);
  {
    auto h = table.open(SessionDirection::Outbound, "s1", "", "10.0.0.1:25", "CONNECTING");
    clock.advance(std::chrono::seconds(2));
    h.set_addresses("127.0.0.2:40000", "10.0.0.1:25");
    h.set_state("DATA");
    h.set_tls("TLSv1.3");
    h.set_transaction("a@b", 2, "0000abcd");
    auto rows = table.rows();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].direction, SessionDirection::Outbound);
    EXPECT_EQ(rows[0].state, "DATA");
    EXPECT_EQ(rows[0].local, "127.0.0.2:40000");
    EXPECT_EQ(rows[0].tls, "TLSv1.3");
    EXPECT_EQ(rows[0].message_id, "0000abcd");
    EXPECT_EQ(rows[0].recipients, 2u);
    EXPECT_EQ(rows[0].started, TimePoint{std::chrono::seconds(1000)});
    EXPECT_EQ(rows[0].state_since, TimePoint{std::chrono::seconds(1002)});
    h.message_done();
    EXPECT_EQ(table.rows()[0].messages, 1u);
    EXPECT_EQ(table.rows()[0].message_id, "");
  }
  EXPECT_TRUE(table.rows().empty());
  auto log = table.events();
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log.front().text, "session to 10.0.0.1:25, state CONNECTING");
  EXPECT_EQ(log.back().text, "session closed after 1 message(s)");
}

TEST(SessionTable, CountersSplitByDirectionAndClear) {
  SessionTable table;
  auto in = table.open(SessionDirection::Inbound, "i", "l", "p", "WAITHELO");
  in.count(SessionCounter::ConnectionsOk);
  in.count(SessionCounter::MessagesAccepted);
  table.count(SessionDirection::Outbound, SessionCounter::ConnectionsFailed);
  auto s = table.stats();
  EXPECT_EQ(s.inbound[SessionCounter::ConnectionsOk], 1u);
  EXPECT_EQ(s.inbound[SessionCounter::MessagesAccepted], 1u);
  EXPECT_EQ(s.outbound[SessionCounter::ConnectionsFailed], 1u);
  EXPECT_EQ(s.outbound[SessionCounter::ConnectionsOk], 0u);
  auto before = table.clear_stats();
  EXPECT_EQ(before.inbound[SessionCounter::ConnectionsOk], 1u);
  EXPECT_EQ(table.stats().inbound[SessionCounter::ConnectionsOk], 0u);
}

TEST(SessionTable, EventLogIsBoundedAndKeepsTheNewest) {
  SessionTable table(3);
  auto h = table.open(SessionDirection::Inbound, "i", "l", "p", "WAITHELO");
  for (int i = 0; i < 10; ++i) h.note("event " + std::to_string(i));
  auto log = table.events();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].text, "event 7");
  EXPECT_EQ(log[2].text, "event 9");
  EXPECT_EQ(table.events(1).at(0).text, "event 9");
}

TEST(SessionTable, RoutesCountOutboundConnectionsAndErrors) {
  SessionTable table;
  {
    auto ok = table.open(SessionDirection::Outbound, {}, {}, "127.0.0.2:25", "CONNECTING");
    ok.set_route("mx1.example.com", "mx1.example.com");
    ok.set_addresses("127.0.0.1:4000", "127.0.0.2:25");
    ok.count(SessionCounter::ConnectionsOk);
    ASSERT_EQ(table.routes().size(), 1u);
    EXPECT_EQ(table.routes()[0].nconn, 1u);
    ok.count(SessionCounter::MessagesFailed, "451 4.3.0 later");
    EXPECT_EQ(table.rows()[0].session_id, std::to_string(ok.channel()));  // outbound ids are channels
  }
  auto refused = table.open(SessionDirection::Outbound, {}, {}, "127.0.0.3:25", "CONNECTING");
  refused.count(SessionCounter::ConnectionsFailed, "connection refused");
  auto routes = table.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].source, "");  // never connected: no source address
  EXPECT_EQ(routes[0].address, "127.0.0.3");
  EXPECT_EQ(routes[0].last_error, "connection refused");
  EXPECT_EQ(routes[1].source, "127.0.0.1");
  EXPECT_EQ(routes[1].name, "mx1.example.com");
  EXPECT_EQ(routes[1].nconn, 0u);  // closed
  EXPECT_EQ(routes[1].connections, 1u);
  EXPECT_EQ(routes[1].errors, 1u);
  EXPECT_EQ(routes[1].last_error, "451 4.3.0 later");
}

TEST(SessionTable, AbortCallsTheSessionsAbortOnce) {
  SessionTable table;
  int aborted = 0;
  auto h = table.open(SessionDirection::Outbound, {}, {}, "127.0.0.2:25", "DATA");
  EXPECT_FALSE(table.abort(h.channel(), "x"));  // no abort registered
  h.set_abort([&] { ++aborted; });
  EXPECT_TRUE(table.abort(h.channel(), "operator"));
  EXPECT_EQ(aborted, 1);
  EXPECT_FALSE(table.abort(h.channel() + 100, "x"));
  EXPECT_EQ(table.events(1).at(0).text, "aborted by the operator: operator");
}

TEST(SessionTable, DefaultHandleIgnoresCalls) {
  SessionHandle h;
  h.set_state("DATA");
  h.count(SessionCounter::ConnectionsOk);
  h.close();
  SUCCEED();
}

}  // namespace
}  // namespace mxlab
