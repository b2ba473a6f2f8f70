// kcli's trace transcript: arrows per direction, one prefix per session, --only-new, --only-one,
// colour only when asked, abbreviated writes, hub notices.
#include "kcli/trace_render.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace mxlab::kcli;
namespace json = boost::json;

namespace {
json::value ev(const char* id, json::value payload, const char* when = "2026-01-02T03:04:05.000000Z",
               json::object extra = {}) {
  json::object meta{{"id", id}};
  for (auto& [k, v] : extra) meta[k] = v;
  return json::object{{"conn_meta", meta}, {"payload", payload}, {"when", when}};
}
}  // namespace

TEST(TraceRender, ClientTranscriptLines) {
  TraceRenderer r({true, false, false, false});
  auto begin = r.render(ev("0123456789abcdef", "BeginSession", "2026-01-02T03:04:05.000000Z",
                           {{"ready_queue_name", "unspecified->mx.a@smtp_client"},
                            {"mx_plan", json::array{json::object{{"host", "mx.a"}}}}}));
  EXPECT_EQ(begin, "[01234567]    0.000s === BeginSession ready_queue=unspecified->mx.a@smtp_client mx_plan=mx.a\n");
  auto read = r.render(ev("0123456789abcdef", json::object{{"Read", "250-mx.a\r\n250 SIZE\r\n"}},
                          "2026-01-02T03:04:05.250000Z"));
  EXPECT_EQ(read, "[01234567]    0.250s <- 250-mx.a\n[01234567]    0.250s <- 250 SIZE\n");
  auto write = r.render(ev("0123456789abcdef", json::object{{"AbbreviatedWrite", json::object{{"snippet", "Subject: x\r\nmore"}, {"len", 5000}}}}));
  EXPECT_EQ(write, "[01234567]    0.000s -> (5000 bytes) Subject: x...\n");
  auto diag = r.render(ev("0123456789abcdef", json::object{{"Diagnostic", json::object{{"level", "error"}, {"message", "boom"}}}}));
  EXPECT_EQ(diag, "[01234567]    0.000s *** error: boom\n");
}

TEST(TraceRender, NoticeWithoutSessionIsShownAsIs) {
  TraceRenderer r({true, false, false, false});
  json::value notice = json::object{{"conn_meta", json::object{}},
                                    {"payload", json::object{{"Diagnostic", json::object{{"level", "warn"}, {"message", "Tracer Lagged behind and missed 3 events"}}}}},
                                    {"when", "2026-01-02T03:04:05.000000Z"}};
  EXPECT_EQ(r.render(notice), "*** Tracer Lagged behind and missed 3 events\n");
}

TEST(TraceRender, OnlyNewIgnoresSessionsAlreadyOpen) {
  TraceRenderer r({true, false, true, false});
  EXPECT_EQ(r.render(ev("old-session", json::object{{"Read", "250 ok\r\n"}})), "");
  EXPECT_NE(r.render(ev("new-session", "BeginSession")), "");
  EXPECT_EQ(r.render(ev("old-session", "Closed")), "");
}

TEST(TraceRender, OnlyOneFollowsTheFirstSessionUntilItCloses) {
  TraceRenderer r({true, false, false, true});
  EXPECT_NE(r.render(ev("first", "BeginSession")), "");
  EXPECT_EQ(r.render(ev("second", "BeginSession")), "");
  EXPECT_FALSE(r.finished());
  EXPECT_NE(r.render(ev("first", "Closed")), "");
  EXPECT_TRUE(r.finished());
  EXPECT_EQ(r.render(ev("first", "Closed")), "");
}

TEST(TraceRender, ColourOnlyWhenAsked) {
  TraceRenderer plain({true, false, false, false}), colour({true, true, false, false});
  EXPECT_EQ(plain.render(ev("s", "Connected")).find("\x1b["), std::string::npos);
  EXPECT_NE(colour.render(ev("s", "Connected")).find("\x1b["), std::string::npos);
}

TEST(TraceRender, ServerSessionsAreKeyedByPeer) {
  TraceRenderer r({false, false, false, false});
  json::value e = json::object{{"conn_meta", json::object{{"received_from", "127.0.0.1:5000"}}},
                               {"payload", json::object{{"Read", "EHLO x\r\n"}}},
                               {"when", "2026-01-02T03:04:05.000000Z"}};
  EXPECT_EQ(r.render(e), "[127.0.0.1:5000]    0.000s <- EHLO x\n");
}

TEST(TraceRender, SummaryLine) {
  json::value s = json::object{{"summary", json::object{{"produced", 10}, {"delivered", 6}, {"dropped", 3}, {"filtered", 1}, {"notices", 1}}}};
  EXPECT_EQ(render_trace_summary(s), "trace summary: produced=10 delivered=6 dropped=3 filtered=1 notices=1");
}
