// Golden output of kcli's operator views (golden/<name>.ref; MXLAB_UPDATE_GOLDEN=1 rewrites
// them): the reply JSON is fixed here, so the text layout is what is compared.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "kcli/renderers.hpp"

namespace mxlab::kcli {
namespace {

std::string golden_path(const std::string& name) { return std::string(MXLAB_KCLI_GOLDEN_DIR) + "/" + name; }

void expect_golden(const std::string& ref, const std::string& actual) {
  if (std::getenv("MXLAB_UPDATE_GOLDEN")) std::ofstream(golden_path(ref), std::ios::binary) << actual;
  std::ifstream in(golden_path(ref), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  EXPECT_EQ(actual, s.str()) << "golden " << ref << " differs; actual:\n" << actual;
}

TEST(Views, FormatAge) {
  EXPECT_EQ(format_age(0.4), "0s");
  EXPECT_EQ(format_age(59.9), "59s");
  EXPECT_EQ(format_age(245), "4m05s");
  EXPECT_EQ(format_age(7380), "2h03m");
  EXPECT_EQ(format_age(273600), "3d04h");
  EXPECT_EQ(format_age(-3), "0s");
}

TEST(Views, Sessions) {
  auto rows = boost::json::parse(R"([
    {"channel":0,"direction":"in","session_id":"a1","local":"127.0.0.1:2525","peer":"127.0.0.1:41000",
     "state":"WAITMAIL","tls":null,"sender":"","recipients":0,"message_id":"","messages":2,"age":75.2,"state_age":3.1},
    {"channel":3,"direction":"in","session_id":"a2","local":"127.0.0.1:2525","peer":"127.0.0.9:41002",
     "state":"RCPT","tls":"TLSv1.3","sender":"alice@example.org","recipients":2,"message_id":"","messages":0,
     "age":12,"state_age":1},
    {"channel":12,"direction":"out","session_id":"","local":"127.0.0.1:50000","peer":"127.0.0.2:25",
     "state":"DATA","tls":null,"sender":"bob@example.org","recipients":1,"message_id":"0001e240","messages":0,
     "age":3725,"state_age":3700}
  ])");
  expect_golden("sessions.ref", render_sessions(rows));
  expect_golden("sessions_empty.ref", render_sessions(boost::json::array{}));
}

TEST(Views, SessionStats) {
  auto stats = boost::json::parse(R"({"cleared_at":"2026-12-03T10:00:00.000Z","cleared_ago":3725.5,
    "inbound":{"connections_ok":4,"connections_failed":1,"messages_accepted":3,"messages_refused":1,
               "messages_delivered":0,"messages_failed":0,"denied_peers":2},
    "outbound":{"connections_ok":3,"connections_failed":2,"messages_accepted":0,"messages_refused":0,
                "messages_delivered":3,"messages_failed":1,"denied_peers":0}})");
  expect_golden("session_stats.ref", render_session_stats(stats));
}

TEST(Views, SessionLog) {
  auto log = boost::json::parse(R"([
    {"time":"2026-12-03T10:00:00.000Z","direction":"in","channel":0,"session_id":"a1","event":"session from 127.0.0.1:41000, state WAITHELO"},
    {"time":"2026-12-03T10:00:01.000Z","direction":"out","channel":1,"session_id":"","event":"state DATA"}])");
  expect_golden("session_log.ref", render_session_log(log));
}

}  // namespace
}  // namespace mxlab::kcli

namespace mxlab::kcli {
namespace {

TEST(Views, Qshape) {
  auto reply = boost::json::parse(R"({"buckets":[5,10,20],
    "total":{"domain":"TOTAL","total":4,"counts":[2,1,0,1]},
    "domains":[{"domain":"x.example.com","total":3,"counts":[1,1,0,1]},{"domain":"y.org","total":1,"counts":[1,0,0,0]}]})");
  expect_golden("qshape.ref", render_qshape(reply, 0));
  expect_golden("qshape_limit.ref", render_qshape(reply, 1));
}

TEST(Views, MonitorRowsAreDeltasExceptCurr) {
  auto first = boost::json::parse(R"({"smtp.session":2,"smtp.session.total":5,"scheduler.envelope":7,
    "scheduler.envelope.incoming":10,"scheduler.delivery.ok":3,"scheduler.delivery.tempfail":4,
    "scheduler.delivery.permfail":0,"scheduler.envelope.expired":0,"scheduler.envelope.removed":0,
    "scheduler.envelope.bounced.admin":0})");
  auto second = boost::json::parse(R"({"smtp.session":1,"smtp.session.total":6,"scheduler.envelope":6,
    "scheduler.envelope.incoming":11,"scheduler.delivery.ok":4,"scheduler.delivery.tempfail":4,
    "scheduler.delivery.permfail":1,"scheduler.envelope.expired":0,"scheduler.envelope.removed":0,
    "scheduler.envelope.bounced.admin":0})");
  expect_golden("monitor.ref", render_monitor_header() + render_monitor_row(boost::json::object{}, first) +
                                   render_monitor_row(first, second));
}

}  // namespace
}  // namespace mxlab::kcli

namespace mxlab::kcli {
namespace {

TEST(Views, TopScreen) {
  auto status = boost::json::parse(R"({"smtp":"running","mta":"paused","uptime":3725})");
  auto prev = boost::json::parse(R"({"scheduler.envelope.incoming":10,"scheduler.delivery.ok":4})");
  auto stats = boost::json::parse(R"({"scheduler.envelope.incoming":30,"scheduler.delivery.ok":9,
    "scheduler.envelope":21,"scheduler.envelope.inflight":2,"smtp.session":1})");
  auto sessions = boost::json::parse(R"([{"channel":4,"direction":"out","local":"127.0.0.1:5000",
    "peer":"127.0.0.2:25","state":"RCPT","tls":null,"sender":"a@b.c","recipients":1,"message_id":"0000beef",
    "messages":0,"age":2,"state_age":1}])");
  auto qshape = boost::json::parse(R"({"buckets":[5,10],"total":{"domain":"TOTAL","total":21,"counts":[20,1,0]},
    "domains":[{"domain":"example.com","total":21,"counts":[20,1,0]}]})");
  expect_golden("top.ref", render_top(status, prev, stats, 2.0, sessions, qshape));
}

}  // namespace
}  // namespace mxlab::kcli

namespace mxlab::kcli {
namespace {

TEST(Views, HostsRoutesAndReadyQueue) {
  auto routes = boost::json::parse(R"([
    {"source":"127.0.0.1","address":"127.0.0.2","name":"mx1.example.com","nconn":1,"connections":5,"errors":1,
     "last_connect":"2026-12-03T10:00:00.000Z","last_error":"451 4.3.0 try later"},
    {"source":"","address":"127.0.0.3","name":"mx2.example.com","nconn":0,"connections":2,"errors":2,
     "last_connect":"2026-12-03T10:00:05.000Z","last_error":"connect to 127.0.0.3:25: Connection refused"}])");
  expect_golden("show_routes.ref", render_routes(routes, true));
  expect_golden("show_hosts.ref", render_routes(routes, false));
  auto rq = boost::json::parse(R"({"queue_name":"unspecified->mx1.example.com@smtp_client","site":"mx1.example.com",
    "egress_source":"unspecified","state":{"connection_count":1},
    "connections":[{"session_id":"7","phase":"DeliveringMessage","state":"DATA","mx_host":"mx1.example.com",
                    "peer":"127.0.0.2:25","message_id":"0001e240"}]})");
  expect_golden("inspect_ready_q.ref", render_ready_queue(rq));
}

}  // namespace
}  // namespace mxlab::kcli
