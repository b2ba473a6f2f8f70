// The tracer over the Postfix fixture (three hosts, real Postfix line shapes): the exact path and
// queue ids, keyword kinds, a hop still waiting, clusters, and the DOT / text / JSON views.
#include "mta/flow/flow_trace.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "mta/flow/flow_config.hpp"
#include "mta/flow/flow_render.hpp"

using namespace mxlab;
using namespace mxlab::flow;

namespace {

const std::string kDir = MXLAB_FLOW_FIXTURES;

// Reads each host's fixture files; `until` drops lines logged later (a log read mid-flight).
struct FixtureSource {
  FlowConfig config;
  TimePoint until = TimePoint::max();

  Expected<std::vector<FlowEvent>> operator()(const std::string& host, const std::string& needle) const {
    std::vector<FlowEvent> out;
    for (const auto& file : config.sources.at(host).logs) {
      std::ifstream in(file);  // the loader made it relative to fleet.yaml's directory
      if (!in) return unexpected("cannot read " + file);
      for (std::string line; std::getline(in, line);) {
        if (line.find(needle) == std::string::npos) continue;
        if (auto e = parse_log_line(line, host, 2025); e && e->time <= until) out.push_back(*e);
      }
    }
    return out;
  }
};

FixtureSource fixture() {
  auto c = load_flow_config_file(kDir + "/fleet.yaml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().str());
  return {*c};
}

std::vector<std::pair<std::string, std::string>> path_of(const Flow& f) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : f.hops) out.emplace_back(h.host, h.queue_id);
  return out;
}

const std::vector<std::pair<std::string, std::string>> kPath = {
    {"mx-in.example.com", "8DCB211F769"},
    {"relay.example.com", "9EF8A12BC3D"},
    {"mailbox.example.com", "4VqXyZ1m2Pz9kLw"},
};

}  // namespace

TEST(FlowTrace, FollowsPostfixHostsByRelayAndQueuedAs) {
  auto src = fixture();
  auto flows = trace(src.config.fleet, {"mx-in.example.com", "<CAF=abc123@mail.gmail.com>"}, src);
  ASSERT_TRUE(flows.ok()) << flows.error();
  ASSERT_EQ(flows->size(), 1u);
  const Flow& f = flows->at(0);
  EXPECT_EQ(f.message_id, "<CAF=abc123@mail.gmail.com>");
  EXPECT_EQ(path_of(f), kPath);
  EXPECT_EQ(f.hops[1].parent, 0);
  EXPECT_EQ(f.hops[2].parent, 1);
  for (const auto& h : f.hops) EXPECT_EQ(h.state, HopState::Delivered) << h.host;
  ASSERT_EQ(f.hops[1].attempts.size(), 2u);  // deferred (connect timeout), then sent
  EXPECT_EQ(f.hops[1].attempts[0].event.kind, EventKind::Deferred);
  EXPECT_EQ(f.hops[1].attempts[1].next_hop, 2);
  EXPECT_EQ(f.hops[2].attempts[0].next_hop, -1);  // LMTP into Dovecot: leaves the fleet
  EXPECT_EQ(f.hops[0].client, "mail-ej1-f45.google.com[209.85.218.45]");
}

TEST(FlowTrace, EveryKeywordKindFindsTheSameFlow) {
  auto src = fixture();
  for (const char* keyword : {"CAF=abc123@mail.gmail.com", "alice@gmail.com", "BOB@example.com", "8DCB211F769"}) {
    auto flows = trace(src.config.fleet, {"inbound", keyword}, src);
    ASSERT_TRUE(flows.ok()) << flows.error();
    if (std::string(keyword) == "BOB@example.com") {
      ASSERT_EQ(flows->size(), 0u) << "the log search is exact: Postfix logged bob@ in lower case";
      continue;
    }
    ASSERT_EQ(flows->size(), 1u) << keyword;
    EXPECT_EQ(path_of(flows->at(0)), kPath) << keyword;
  }
}

TEST(FlowTrace, AHopStillDeferredShowsWhereTheMessageWaits) {
  auto src = fixture();
  src.until = TimePoint{std::chrono::seconds(1753092100)};  // 10:01:40, between the deferral and the retry
  auto flows = trace(src.config.fleet, {"mx-in.example.com", "8DCB211F769"}, src);
  ASSERT_TRUE(flows.ok()) << flows.error();
  const Flow& f = flows->at(0);
  ASSERT_EQ(f.hops.size(), 2u);
  EXPECT_EQ(f.hops[1].state, HopState::Waiting);
  EXPECT_EQ(f.hops[1].waiting_reason, "connect to mailbox.example.com[10.0.0.20]:25: Connection timed out");
  EXPECT_NE(render_text(*flows).find("waiting in the queue of relay.example.com as 9EF8A12BC3D"), std::string::npos)
      << render_text(*flows);
}

TEST(FlowTrace, UnknownStartHostNamesTheKnownOnes) {
  auto src = fixture();
  auto flows = trace(src.config.fleet, {"nowhere", "x"}, src);
  ASSERT_FALSE(flows.ok());
  EXPECT_NE(flows.error().find("unknown host or cluster 'nowhere'"), std::string::npos) << flows.error();
  EXPECT_NE(flows.error().find("inbound"), std::string::npos) << flows.error();
}

TEST(FlowTrace, NoMatchIsAnEmptyResult) {
  auto src = fixture();
  auto flows = trace(src.config.fleet, {"mx-in.example.com", "nobody@nowhere.test"}, src);
  ASSERT_TRUE(flows.ok());
  EXPECT_TRUE(flows->empty());
}

TEST(FlowRender, DotHasHostsAsNodesAndQueueIdsOnEdges) {
  auto src = fixture();
  auto flows = trace(src.config.fleet, {"mx-in.example.com", "8DCB211F769"}, src);
  ASSERT_TRUE(flows.ok());
  EXPECT_EQ(render_dot(*flows),
            "digraph mailflow {\n"
            "  rankdir=LR;\n"
            "  \"mx-in.example.com\";\n"
            "  \"relay.example.com\";\n"
            "  \"mailbox.example.com\";\n"
            "  \"mailbox.example.com[private/dovecot-lmtp]\" [shape=box, style=dashed];\n"
            "  \"mx-in.example.com\" -> \"relay.example.com\" [label=\"8DCB211F769\"];\n"
            "  \"relay.example.com\" -> \"mailbox.example.com\" [label=\"9EF8A12BC3D\"];\n"
            "  \"mailbox.example.com\" -> \"mailbox.example.com[private/dovecot-lmtp]\" "
            "[label=\"4VqXyZ1m2Pz9kLw\"];\n"
            "}\n");
}

TEST(FlowRender, JsonListsHopsWithStatesAndNextHops) {
  auto src = fixture();
  auto flows = trace(src.config.fleet, {"mx-in.example.com", "8DCB211F769"}, src);
  ASSERT_TRUE(flows.ok());
  auto v = render_json(*flows);
  const auto& hops = v.at("flows").at(0).at("hops").as_array();
  ASSERT_EQ(hops.size(), 3u);
  EXPECT_EQ(hops[1].at("queue_id").as_string(), "9EF8A12BC3D");
  EXPECT_EQ(hops[1].at("state").as_string(), "delivered");
  EXPECT_EQ(hops[1].at("attempts").at(1).at("next_hop").as_int64(), 2);
  EXPECT_EQ(hops[1].at("attempts").at(0).at("status").as_string(), "deferred");
}

TEST(FlowConfig, ErrorsNameFileLineAndKey) {
  auto c = load_flow_config_text("hosts:\n  a.test:\n    addresses: [1.2.3.4]\n", "fleet.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().str().rfind("fleet.yaml:", 0), 0u) << c.error().str();
  EXPECT_NE(c.error().str().find("hosts.a.test.logs"), std::string::npos) << c.error().str();
  auto bad = load_flow_config_text("hosts:\n  a.test: {logs: [x]}\nclusters: {c: [b.test]}\n", "f.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().str().find("cluster 'c' must list hosts"), std::string::npos) << bad.error().str();
  auto unknown = load_flow_config_text("hosts:\n  a.test: {logs: [x], colour: red}\n", "f.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().str().find("colour"), std::string::npos) << unknown.error().str();
}
