// mtad's delivery rules with real parts: attempt_domain drives the real c-ares resolver against a
// real FakeDns (UDP/TCP on 127.0.0.1) and real fake MX hosts on distinct 127.0.0.N addresses that
// share one port, as mtad's single delivery port requires. One test per rule of RFC 5321 section 5,
// RFC 7505 and the failure table in docs/ARCHITECTURE.md; SMTP rules run with PIPELINING on and off.
// Every wait has a deadline (io_context::run_for, short client timeouts); nothing sleeps.
#include "mta/delivery/domain_attempt.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <map>
#include <optional>
#include <set>

#include "mta/delivery/mx_plan.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"
#include "sim/fake_mx/mx_host.hpp"

using namespace mxlab;
using namespace mxlab::delivery;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Kind = server::Action::Kind;
using server::Stage;

namespace {

constexpr auto kDeadline = 5s;  // one whole attempt; failure cases finish in well under a second
const ClientTimeouts kTimeouts{300ms, 500ms, 500ms};
const std::string kSender = "alice@origin.test";
const std::string kMessage = "From: <alice@origin.test>\r\nSubject: rules\r\n\r\nbody\r\n.dot line\r\n";

// Nothing ever listens here: connecting is refused at once (a dead MX).
const std::string kNoListener = "127.0.0.39";

struct HostSpec {
  std::string name;
  std::string address;
  std::vector<fakemx::Rule> rules = {};
};

fakemx::Rule rule(Stage stage, std::string_view reply, Kind kind = Kind::Reply, std::string match = {}) {
  auto r = fakemx::reply_rule(stage, reply);
  EXPECT_TRUE(r) << reply;
  fakemx::Rule out = r.value_or(fakemx::Rule{});
  out.kind = kind;
  out.match = std::move(match);
  return out;
}

fakemx::Rule disconnect_at(Stage stage) {
  fakemx::Rule r;
  r.stage = stage;
  r.kind = Kind::Disconnect;
  return r;
}

std::string enhanced(const smtp::Reply& r) { return r.enhanced ? r.enhanced->str() : ""; }

// Records what the client writes, to see PIPELINING on the wire.
class ClientWrites final : public trace::TraceSink {
 public:
  bool enabled(trace::Direction d) const override { return d == trace::Direction::Client; }
  void publish(trace::TraceEvent e) override {
    if (e.kind == trace::EventKind::Write) writes.push_back(std::move(e.payload));
  }
  std::vector<std::string> writes;  // published on the io thread, which is the test thread
};

class DomainAttemptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dns_ = std::make_unique<fakemx::FakeDns>();
    ASSERT_TRUE(dns_->start());
    dns::AresOptions options;
    options.nameservers = {dns_->nameserver()};
    options.timeout = 500ms;
    options.attempts = 1;
    auto r = dns::make_ares_resolver(options);
    ASSERT_TRUE(r.ok()) << r.error();
    resolver_ = std::move(*r);
  }

  void TearDown() override {
    for (auto& [name, host] : hosts_) host->stop();
  }

  void zone(const std::vector<fakemx::DnsRecord>& records) {
    for (const auto& r : records) ASSERT_TRUE(dns_->add_record(r)) << r.name << " " << r.data;
  }

  // Starts every host on one shared port; tries again with a new port when another process
  // already holds the first one on one of the addresses.
  void start_hosts(const std::vector<HostSpec>& specs) {
    std::string error;
    for (int attempt = 0; attempt < 5; ++attempt) {
      hosts_.clear();
      port_ = 0;
      bool ok = true;
      for (const auto& s : specs) {
        fakemx::MxHostConfig c;
        c.name = s.name;
        c.address = s.address;
        c.port = port_;
        c.rules = s.rules;
        c.server.pipelining = pipelining_;
        auto host = std::make_unique<fakemx::MxHost>(c);
        if (auto st = host->start(); !st) {
          ok = false;
          error = st.error;
          break;
        }
        port_ = host->port();
        hosts_[s.name] = std::move(host);
      }
      if (ok) return;
    }
    FAIL() << "cannot start MX hosts: " << error;
  }

  fakemx::MxHost& host(const std::string& name) { return *hosts_.at(name); }

  DomainAttempt attempt(const std::string& domain, std::vector<std::string> rcpts,
                        trace::TraceSink* trace = nullptr) {
    DomainAttemptRequest req;
    req.domain = domain;
    req.mail_from = kSender;
    req.rcpt_to = std::move(rcpts);
    req.data = &kMessage;
    req.port = port_ ? port_ : 25;  // DNS-only tests never connect
    req.ehlo_name = "client.mxlab.test";
    req.timeouts = kTimeouts;
    std::optional<DomainAttempt> result;
    std::exception_ptr failure;
    io_.restart();
    asio::co_spawn(io_, attempt_domain(*resolver_, req, trace), [&](std::exception_ptr e, DomainAttempt a) {
      failure = e;
      result = std::move(a);
    });
    io_.run_for(kDeadline);
    if (failure) std::rethrow_exception(failure);
    if (!result) {
      ADD_FAILURE() << "attempt_domain(" << domain << ") did not finish within the deadline";
      return {};
    }
    EXPECT_EQ(result->outcomes.size(), req.rcpt_to.size());
    return std::move(*result);
  }

  bool pipelining_ = true;
  std::uint16_t port_ = 0;
  asio::io_context io_;  // declared before the resolver: destroyed after it
  std::unique_ptr<fakemx::FakeDns> dns_;
  std::unique_ptr<dns::Resolver> resolver_;
  std::map<std::string, std::unique_ptr<fakemx::MxHost>> hosts_;
};

// ---- MX plan and DNS outcomes (no SMTP rule involved) -----------------------------------------

using DnsRules = DomainAttemptTest;

TEST(OrderMx, LowestPreferenceFirst) {
  auto ordered = order_mx({{30, "c.example"}, {10, "a.example"}, {20, "b.example"}});
  EXPECT_EQ(ordered, (std::vector<dns::MxRecord>{{10, "a.example"}, {20, "b.example"}, {30, "c.example"}}));
}

TEST(OrderMx, EqualPreferencesAreShuffledButStayBehindLowerOnes) {
  std::set<std::string> seen_first_of_equal;
  for (int i = 0; i < 200; ++i) {
    auto ordered = order_mx({{20, "b1.example"}, {20, "b2.example"}, {5, "a.example"}, {30, "c.example"}});
    ASSERT_EQ(ordered.size(), 4u);
    EXPECT_EQ(ordered[0].host, "a.example");
    EXPECT_EQ(ordered[3].host, "c.example");
    seen_first_of_equal.insert(ordered[1].host);
  }
  // A fixed order would show one name only; the chance a fair shuffle does is 2^-199.
  EXPECT_EQ(seen_first_of_equal, (std::set<std::string>{"b1.example", "b2.example"}));
}

TEST_F(DnsRules, MxHostsAreTriedLowestPreferenceFirst) {
  // Served highest first, so the order comes from sorting, not from the answer.
  zone({{"order.example", "MX", 300, "30 mx3.order.example"},
        {"order.example", "MX", 300, "10 mx1.order.example"},
        {"order.example", "MX", 300, "20 mx2.order.example"},
        {"mx1.order.example", "A", 300, "127.0.0.21"},
        {"mx2.order.example", "A", 300, "127.0.0.22"},
        {"mx3.order.example", "A", 300, "127.0.0.23"}});
  ASSERT_NO_FATAL_FAILURE(start_hosts({{"mx3.order.example", "127.0.0.23"},
                                       {"mx1.order.example", "127.0.0.21"},
                                       {"mx2.order.example", "127.0.0.22"}}));
  auto out = attempt("order.example", {"bob@order.example"});
  EXPECT_EQ(out.site, "mx1.order.example,mx2.order.example,mx3.order.example");
  EXPECT_EQ(out.outcomes[0].fate, Fate::Delivered);
  EXPECT_EQ(out.outcomes[0].peer_name, "mx1.order.example");
  EXPECT_EQ(out.outcomes[0].peer_address, "127.0.0.21");
  EXPECT_EQ(host("mx2.order.example").connections(), 0u);
  EXPECT_EQ(host("mx3.order.example").connections(), 0u);
}

TEST_F(DnsRules, EqualPreferenceMxHostsBothGetMail) {
  zone({{"equal.example", "MX", 300, "10 mxa.equal.example"},
        {"equal.example", "MX", 300, "10 mxb.equal.example"},
        {"mxa.equal.example", "A", 300, "127.0.0.21"},
        {"mxb.equal.example", "A", 300, "127.0.0.22"}});
  ASSERT_NO_FATAL_FAILURE(start_hosts({{"mxa.equal.example", "127.0.0.21"}, {"mxb.equal.example", "127.0.0.22"}}));
  std::set<std::string> delivered_at;
  for (int i = 0; i < 24 && delivered_at.size() < 2; ++i) {
    auto out = attempt("equal.example", {"bob@equal.example"});
    ASSERT_EQ(out.outcomes[0].fate, Fate::Delivered) << out.outcomes[0].reply.summary();
    delivered_at.insert(out.outcomes[0].peer_name);
  }
  EXPECT_EQ(delivered_at, (std::set<std::string>{"mxa.equal.example", "mxb.equal.example"}));
}

TEST_F(DnsRules, NullMxBouncesWith556WithoutConnecting) {
  // The domain's own A record points at a live host: a null MX must still stop delivery (RFC 7505 3).
  zone({{"nullmx.example", "MX", 300, "0 ."}, {"nullmx.example", "A", 300, "127.0.0.21"}});
  ASSERT_NO_FATAL_FAILURE(start_hosts({{"nullmx.example", "127.0.0.21"}}));
  auto out = attempt("nullmx.example", {"a@nullmx.example", "b@nullmx.example"});
  for (const auto& o : out.outcomes) {
    EXPECT_EQ(o.fate, Fate::Bounced) << o.recipient;
    EXPECT_EQ(o.reply.code, 556) << o.reply.summary();
    EXPECT_EQ(enhanced(o.reply), "5.1.10");
  }
  EXPECT_EQ(out.connections, 0);
  EXPECT_EQ(host("nullmx.example").connections(), 0u);
}

TEST_F(DnsRules, NxDomainBouncesWith550) {
  auto out = attempt("nowhere.example", {"bob@nowhere.example"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Bounced);
  EXPECT_EQ(out.outcomes[0].reply.code, 550) << out.outcomes[0].reply.summary();
  EXPECT_EQ(enhanced(out.outcomes[0].reply), "5.1.2");
  EXPECT_EQ(out.connections, 0);
}

TEST_F(DnsRules, ServFailDefersWith451) {
  zone({{"broken.example", "MX", 300, "10 mx1.broken.example"}, {"mx1.broken.example", "A", 300, "127.0.0.21"}});
  ASSERT_NO_FATAL_FAILURE(start_hosts({{"mx1.broken.example", "127.0.0.21"}}));
  dns_->set_fault("broken.example", fakemx::DnsFault::ServFail);
  auto out = attempt("broken.example", {"bob@broken.example"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Deferred);
  EXPECT_EQ(out.outcomes[0].reply.code, 451) << out.outcomes[0].reply.summary();
  EXPECT_EQ(enhanced(out.outcomes[0].reply), "4.4.3");
  EXPECT_EQ(host("mx1.broken.example").connections(), 0u);
}

TEST_F(DnsRules, MxHostsWithoutAddressesDeferWith451) {
  zone({{"noaddr.example", "MX", 300, "10 mx1.noaddr.example"}, {"noaddr.example", "MX", 300, "20 mx2.noaddr.example"}});
  auto out = attempt("noaddr.example", {"bob@noaddr.example"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Deferred);
  EXPECT_EQ(out.outcomes[0].reply.code, 451) << out.outcomes[0].reply.summary();
  EXPECT_EQ(enhanced(out.outcomes[0].reply), "4.4.4");
  EXPECT_EQ(out.connections, 0);
}

TEST_F(DnsRules, WithoutMxRecordsTheDomainsOwnAddressIsTheImplicitMx) {
  zone({{"implicit.example", "A", 300, "127.0.0.21"}});
  ASSERT_NO_FATAL_FAILURE(start_hosts({{"implicit.example", "127.0.0.21"}}));
  auto out = attempt("implicit.example", {"bob@implicit.example"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Delivered) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[0].peer_name, "implicit.example");
  EXPECT_EQ(out.outcomes[0].peer_address, "127.0.0.21");
  ASSERT_EQ(host("implicit.example").wait_for_transactions(1, kDeadline), 1u);
}

TEST_F(DnsRules, WithMxRecordsTheDomainsOwnAddressIsNeverUsed) {
  // The only MX is dead; the domain's A points at a live host that must not be tried.
  zone({{"hasmx.example", "MX", 300, "10 mx1.hasmx.example"},
        {"mx1.hasmx.example", "A", 300, kNoListener},
        {"hasmx.example", "A", 300, "127.0.0.21"}});
  ASSERT_NO_FATAL_FAILURE(start_hosts({{"hasmx.example", "127.0.0.21"}}));
  auto out = attempt("hasmx.example", {"bob@hasmx.example"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Deferred) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[0].peer_address, kNoListener);
  EXPECT_EQ(out.connections, 1);
  EXPECT_EQ(host("hasmx.example").connections(), 0u);
}

// ---- SMTP failure scopes, each with PIPELINING advertised and not ------------------------------

class SmtpRules : public DomainAttemptTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    pipelining_ = GetParam();
    DomainAttemptTest::SetUp();
    // Two MX hosts for example.com, served in reverse order: mx1 (10) is tried first.
    zone({{"example.com", "MX", 300, "20 mx2.example.com"},
          {"example.com", "MX", 300, "10 mx1.example.com"},
          {"mx1.example.com", "A", 300, "127.0.0.21"},
          {"mx2.example.com", "A", 300, "127.0.0.22"},
          {"dead.example.com", "A", 300, kNoListener}});
  }

  void start_two(std::vector<fakemx::Rule> mx1_rules, std::vector<fakemx::Rule> mx2_rules = {}) {
    start_hosts({{"mx1.example.com", "127.0.0.21", std::move(mx1_rules)},
                 {"mx2.example.com", "127.0.0.22", std::move(mx2_rules)}});
  }
};

INSTANTIATE_TEST_SUITE_P(Pipelining, SmtpRules, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "On" : "Off"; });

TEST_P(SmtpRules, PipeliningBatchesMailRcptAndDataOnlyWhenAdvertised) {
  ASSERT_NO_FATAL_FAILURE(start_two({}));
  ClientWrites trace;
  auto out = attempt("example.com", {"bob@example.com", "carol@example.com"}, &trace);
  ASSERT_EQ(out.outcomes[0].fate, Fate::Delivered);
  bool batched = false;
  for (const auto& w : trace.writes)
    batched = batched || (w.find("MAIL FROM") != std::string::npos && w.find("DATA\r\n") != std::string::npos);
  EXPECT_EQ(batched, GetParam());
}

TEST_P(SmtpRules, RefusedConnectionMovesToTheNextMx) {
  zone({{"example.com", "MX", 300, "5 dead.example.com"}});
  ASSERT_NO_FATAL_FAILURE(start_two({}));
  auto out = attempt("example.com", {"bob@example.com"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Delivered) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[0].peer_name, "mx1.example.com");
  EXPECT_EQ(out.connections, 2);
}

TEST_P(SmtpRules, Greeting421MovesToTheNextMx) {
  ASSERT_NO_FATAL_FAILURE(
      start_two({rule(Stage::Connect, "421 4.3.2 service not available", Kind::ReplyThenDisconnect)}));
  auto out = attempt("example.com", {"bob@example.com"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Delivered) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[0].peer_name, "mx2.example.com");
  EXPECT_EQ(host("mx1.example.com").connections(), 1u);
  EXPECT_TRUE(host("mx1.example.com").transactions().empty());
  EXPECT_EQ(host("mx2.example.com").wait_for_transactions(1, kDeadline), 1u);
}

TEST_P(SmtpRules, PermanentMailFromRejectionBouncesEveryRecipient) {
  ASSERT_NO_FATAL_FAILURE(start_two({rule(Stage::Mail, "550 5.7.1 sender blocked")}));
  auto out = attempt("example.com", {"bob@example.com", "carol@example.com"});
  for (const auto& o : out.outcomes) {
    EXPECT_EQ(o.fate, Fate::Bounced) << o.recipient;
    // The MAIL reply, not whatever the server said to the pipelined RCPTs after it.
    EXPECT_EQ(o.reply.code, 550) << o.recipient << ": " << o.reply.summary();
    EXPECT_EQ(o.command.rfind("MAIL FROM", 0), 0u) << o.command;
    EXPECT_EQ(o.peer_name, "mx1.example.com");
  }
  EXPECT_EQ(out.connections, 1);
  EXPECT_EQ(host("mx2.example.com").connections(), 0u);
}

TEST_P(SmtpRules, TemporaryDataRejectionMovesToTheNextMx) {
  ASSERT_NO_FATAL_FAILURE(start_two({rule(Stage::Data, "451 4.3.0 local problem")}));
  auto out = attempt("example.com", {"bob@example.com", "carol@example.com"});
  for (const auto& o : out.outcomes) {
    EXPECT_EQ(o.fate, Fate::Delivered) << o.recipient << ": " << o.reply.summary();
    EXPECT_EQ(o.peer_name, "mx2.example.com");
  }
  EXPECT_TRUE(host("mx1.example.com").transactions().empty());
  ASSERT_EQ(host("mx2.example.com").wait_for_transactions(1, kDeadline), 1u);
  EXPECT_EQ(host("mx2.example.com").transactions()[0].data, kMessage);
}

TEST_P(SmtpRules, TemporaryEndOfDataRejectionOnEveryMxDefersEveryRecipient) {
  auto busy = rule(Stage::EndOfData, "451 4.3.0 try again later");
  ASSERT_NO_FATAL_FAILURE(start_two({busy}, {busy}));
  auto out = attempt("example.com", {"bob@example.com", "carol@example.com"});
  for (const auto& o : out.outcomes) {
    EXPECT_EQ(o.fate, Fate::Deferred) << o.recipient;
    EXPECT_EQ(o.reply.code, 451) << o.reply.summary();
    EXPECT_EQ(o.peer_name, "mx2.example.com");  // the last failure is the one recorded
  }
  EXPECT_EQ(out.connections, 2);
  EXPECT_TRUE(host("mx1.example.com").transactions().empty());
  EXPECT_TRUE(host("mx2.example.com").transactions().empty());
}

TEST_P(SmtpRules, RcptRejectionBouncesThatRecipientOnly) {
  ASSERT_NO_FATAL_FAILURE(start_two({rule(Stage::Rcpt, "550 5.1.1 no such user", Kind::Reply, "nobody@")}));
  auto out = attempt("example.com", {"nobody@example.com", "dave@example.com"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Bounced);
  EXPECT_EQ(out.outcomes[0].reply.code, 550);
  EXPECT_EQ(enhanced(out.outcomes[0].reply), "5.1.1");
  EXPECT_EQ(out.outcomes[0].command, "RCPT TO:<nobody@example.com>");
  EXPECT_EQ(out.outcomes[1].fate, Fate::Delivered) << out.outcomes[1].reply.summary();
  EXPECT_EQ(out.outcomes[1].peer_name, "mx1.example.com");
  ASSERT_EQ(host("mx1.example.com").wait_for_transactions(1, kDeadline), 1u);
  EXPECT_EQ(host("mx1.example.com").transactions()[0].rcpt_to, std::vector<std::string>{"dave@example.com"});
  EXPECT_EQ(host("mx2.example.com").connections(), 0u);
}

TEST_P(SmtpRules, Rcpt552IsTreatedAs452AndDefersThatRecipient) {
  ASSERT_NO_FATAL_FAILURE(
      start_two({rule(Stage::Rcpt, "552 5.5.3 too many recipients", Kind::Reply, "second@")}));
  auto out = attempt("example.com", {"first@example.com", "second@example.com"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Delivered) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[1].fate, Fate::Deferred);
  EXPECT_EQ(out.outcomes[1].reply.code, 552);
  EXPECT_EQ(host("mx2.example.com").connections(), 0u);
}

TEST_P(SmtpRules, DisconnectAfterMessageContentMovesToTheNextMx) {
  ASSERT_NO_FATAL_FAILURE(start_two({disconnect_at(Stage::EndOfData)}));
  auto out = attempt("example.com", {"bob@example.com"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Delivered) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[0].peer_name, "mx2.example.com");
  EXPECT_EQ(out.connections, 2);
}

TEST_P(SmtpRules, DisconnectAfterMessageContentOnTheOnlyMxDefers) {
  zone({{"single.example", "MX", 300, "10 mx1.example.com"}});
  ASSERT_NO_FATAL_FAILURE(start_two({disconnect_at(Stage::EndOfData)}));
  auto out = attempt("single.example", {"bob@single.example"});
  EXPECT_EQ(out.outcomes[0].fate, Fate::Deferred);
  EXPECT_EQ(out.outcomes[0].reply.code, 451) << out.outcomes[0].reply.summary();
  EXPECT_EQ(enhanced(out.outcomes[0].reply), "4.4.2");
  EXPECT_EQ(out.connections, 1);
}

// ---- the reply -> fate table itself ------------------------------------------------------------

TEST(FateOf, ReplyClassDecidesExcept552AtRcpt) {
  EXPECT_EQ(fate_of(smtp::make_reply(250, "2.0.0", "ok"), ClientStage::Done), Fate::Delivered);
  EXPECT_EQ(fate_of(smtp::make_reply(451, "4.3.0", "later"), ClientStage::Mail), Fate::Deferred);
  EXPECT_EQ(fate_of(smtp::make_reply(550, "5.1.1", "no"), ClientStage::Rcpt), Fate::Bounced);
  EXPECT_EQ(fate_of(smtp::make_reply(552, "5.5.3", "too many"), ClientStage::Rcpt), Fate::Deferred);
  EXPECT_EQ(fate_of(smtp::make_reply(552, "5.3.4", "too big"), ClientStage::EndOfData), Fate::Bounced);
}

}  // namespace
