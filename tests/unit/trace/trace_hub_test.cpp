// TraceHub: no subscriber = disabled, bounded buffers, exact counters (produced = delivered +
// dropped + filtered + queued), in-band "missed N" notices, close accounting, metrics.
#include "mta/trace/trace_hub.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace mxlab;
using namespace mxlab::trace;

namespace {
TraceEvent client_event(std::string payload, std::shared_ptr<const ConnMeta> meta = nullptr) {
  TraceEvent e{Direction::Client, EventKind::Write, "s1", "", "", std::move(payload)};
  e.meta = std::move(meta);
  return e;
}
}  // namespace

TEST(TraceHub, EnabledOnlyWhileSubscribed) {
  TraceHub hub;
  EXPECT_FALSE(hub.enabled(Direction::Client));
  auto sub = hub.subscribe({Direction::Client});
  EXPECT_TRUE(hub.enabled(Direction::Client));
  EXPECT_FALSE(hub.enabled(Direction::Server));
  sub->close();
  EXPECT_FALSE(hub.enabled(Direction::Client));
}

TEST(TraceHub, FullBufferDropsAndCountsExactly) {
  TraceHub hub;
  auto sub = hub.subscribe({Direction::Client, {}, 3});
  for (int i = 0; i < 10; ++i) hub.publish(client_event("e" + std::to_string(i)));
  auto c = sub->counts();
  EXPECT_EQ(c.produced, 10u);
  EXPECT_EQ(c.queued, 3u);
  EXPECT_EQ(c.dropped, 7u);
  EXPECT_TRUE(c.balanced());
  EXPECT_EQ(sub->try_next()->payload, "e0");
  EXPECT_EQ(sub->try_next()->payload, "e1");
  EXPECT_EQ(sub->try_next()->payload, "e2");
  auto notice = sub->try_next();  // the drops came after e2: the notice follows it
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->kind, EventKind::Diagnostic);
  EXPECT_EQ(notice->payload, "Tracer Lagged behind and missed 7 events");
  EXPECT_EQ(notice->detail.at("lost").to_number<std::uint64_t>(), 7u);
  EXPECT_FALSE(sub->try_next());
  c = sub->counts();
  EXPECT_EQ(c.delivered, 3u);
  EXPECT_EQ(c.notices, 1u);
  EXPECT_TRUE(c.balanced());
}

TEST(TraceHub, AbsorbsOnlyWhenEveryBufferOfTheDirectionIsFull) {
  TraceHub hub;
  EXPECT_FALSE(hub.absorb_if_saturated(Direction::Client, nullptr));  // nobody subscribed
  auto a = hub.subscribe({Direction::Client, {}, 1});
  auto b = hub.subscribe({Direction::Client, {}, 2});
  auto server = hub.subscribe({Direction::Server, {}, 1});
  hub.publish(client_event("x"));
  EXPECT_FALSE(hub.absorb_if_saturated(Direction::Client, nullptr));  // b has room: build the event
  hub.publish(client_event("y"));
  EXPECT_TRUE(hub.absorb_if_saturated(Direction::Client, nullptr));  // counted, not built
  EXPECT_FALSE(hub.absorb_if_saturated(Direction::Server, nullptr));
  for (const auto& s : {a, b}) {
    auto c = s->counts();
    EXPECT_EQ(c.produced, 3u);
    EXPECT_TRUE(c.balanced());
  }
  EXPECT_EQ(a->counts().dropped, 2u);
  EXPECT_EQ(b->counts().dropped, 1u);
  EXPECT_EQ(server->counts().produced, 0u);
  EXPECT_EQ(a->try_next()->payload, "x");
  EXPECT_FALSE(hub.absorb_if_saturated(Direction::Client, nullptr));  // a drained one
}

TEST(TraceHub, AbsorbedEventsAreFilteredLikePublishedOnes) {
  TraceHub hub;
  auto filter = TraceFilter::from_text(Direction::Client, R"({"domain": "a.test"})");
  ASSERT_TRUE(filter.ok());
  auto sub = hub.subscribe({Direction::Client, *filter, 1});
  auto a = std::make_shared<const ConnMeta>(ConnMeta{{"domain", "a.test"}});
  auto b = std::make_shared<const ConnMeta>(ConnMeta{{"domain", "b.test"}});
  hub.publish(client_event("kept", a));
  EXPECT_TRUE(hub.absorb_if_saturated(Direction::Client, b.get()));
  EXPECT_TRUE(hub.absorb_if_saturated(Direction::Client, a.get()));
  auto c = sub->counts();
  EXPECT_EQ(c.produced, 3u);
  EXPECT_EQ(c.filtered, 1u);
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(c.queued, 1u);
  EXPECT_TRUE(c.balanced());
}

TEST(TraceHub, NoticePrecedesTheFirstEventAfterAGap) {
  TraceHub hub;
  auto sub = hub.subscribe({Direction::Client, {}, 1});
  hub.publish(client_event("a"));
  hub.publish(client_event("lost1"));
  hub.publish(client_event("lost2"));
  EXPECT_EQ(sub->try_next()->payload, "a");
  hub.publish(client_event("b"));
  auto notice = sub->try_next();
  EXPECT_EQ(notice->payload, "Tracer Lagged behind and missed 2 events");
  EXPECT_EQ(sub->try_next()->payload, "b");
}

TEST(TraceHub, FilterRunsBeforeBuffering) {
  TraceHub hub;
  auto filter = TraceFilter::from_text(Direction::Client, R"({"domain": "a.example"})");
  ASSERT_TRUE(filter.ok());
  auto sub = hub.subscribe({Direction::Client, *filter, 2});
  auto a = std::make_shared<const ConnMeta>(ConnMeta{{"domain", "a.example"}});
  auto b = std::make_shared<const ConnMeta>(ConnMeta{{"domain", "b.example"}});
  for (int i = 0; i < 100; ++i) hub.publish(client_event("b", b));
  hub.publish(client_event("a", a));
  hub.publish(client_event("unknown"));
  auto c = sub->counts();
  EXPECT_EQ(c.filtered, 100u);
  EXPECT_EQ(c.dropped, 0u) << "refused events take no buffer space";
  EXPECT_EQ(c.queued, 2u);
  EXPECT_TRUE(c.balanced());
}

TEST(TraceHub, CloseCountsBufferedEventsAsDroppedAndTotalsAddUp) {
  TraceHub hub;
  auto fast = hub.subscribe({Direction::Server, {}, 100, "fast"});
  auto slow = hub.subscribe({Direction::Server, {}, 5, "slow"});
  for (int i = 0; i < 20; ++i) {
    hub.publish({Direction::Server, EventKind::Read, "s", "", "", "x"});
    while (fast->try_next()) {
    }
  }
  hub.publish({Direction::Client, EventKind::Read, "s", "", "", "not offered to server subscribers"});
  slow->close();
  auto s = slow->counts();
  EXPECT_EQ(s.produced, 20u);
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_EQ(s.dropped, 20u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_TRUE(s.balanced());
  EXPECT_EQ(fast->counts().delivered, 20u);
  auto t = hub.totals(Direction::Server);
  EXPECT_EQ(t.produced, 20u);
  EXPECT_EQ(t.delivered + t.dropped + t.filtered + t.queued, 40u);  // two subscribers, 20 each
  EXPECT_EQ(hub.totals(Direction::Client).produced, 1u);
}

TEST(TraceHub, NextWaitsWithADeadlineAndWakesOnPublish) {
  TraceHub hub;
  auto sub = hub.subscribe({Direction::Client});
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(sub->next(std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(45));
  int woken = 0;
  sub->on_ready([&] { ++woken; });
  std::thread producer([&] { hub.publish(client_event("late")); });
  auto e = sub->next(std::chrono::seconds(10));
  producer.join();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload, "late");
  EXPECT_EQ(woken, 1);
  sub->close();
  EXPECT_FALSE(sub->next(std::chrono::seconds(10)));  // returns at once after close
  EXPECT_EQ(woken, 2);
}

TEST(TraceHub, ExportsMetricsPerDirectionAndSubscriber) {
  TraceHub hub;
  MetricsRegistry r;
  auto sub = hub.subscribe({Direction::Client, {}, 1, "probe"});
  hub.publish(client_event("a"));
  hub.publish(client_event("b"));
  hub.export_metrics(r);
  EXPECT_EQ(r.get("trace_events_produced", "client"), 2);
  EXPECT_EQ(r.get("trace_events_dropped", "client"), 1);
  EXPECT_EQ(r.get("trace_subscriber_dropped", "probe"), 1);
  EXPECT_EQ(r.get("trace_subscribers", "client"), 1);
  sub.reset();
  hub.export_metrics(r);
  EXPECT_EQ(r.get("trace_subscribers", "client"), 0);
  EXPECT_EQ(r.get("trace_events_dropped", "client"), 2) << "the buffered one counts once the subscription closes";
  EXPECT_EQ(r.prometheus_text().find("subscriber=\"probe\""), std::string::npos);
}
