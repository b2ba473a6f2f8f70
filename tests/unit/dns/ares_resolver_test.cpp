// The real c-ares resolver against a real FakeDns on 127.0.0.1 with an ephemeral port: MX order,
// null MX, each negative outcome, timeout, TC -> TCP retry, A + AAAA, and clean shutdown.
// Every wait has a deadline (future::wait_for); nothing sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "mta/dns/resolver.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"

using namespace mxlab;
using namespace mxlab::dns;
using namespace mxlab::fakemx;
using namespace std::chrono_literals;

namespace {

constexpr auto kDeadline = 5s;

template <class Answer>
struct Waiter {
  std::shared_ptr<std::promise<Answer>> promise = std::make_shared<std::promise<Answer>>();
  std::future<Answer> future = promise->get_future();
  std::function<void(Answer)> callback() {
    return [p = promise](Answer a) { p->set_value(std::move(a)); };
  }
  Answer get() {
    if (future.wait_for(kDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within the deadline";
      return {};
    }
    return future.get();
  }
};

class AresAgainstFakeDns : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeDnsOptions options;
    options.records = {{"example.com", "MX", 300, "20 mx2.example.com"},
                       {"example.com", "MX", 300, "10 mx1.example.com"},
                       {"mx1.example.com", "A", 300, "127.0.0.2"},
                       {"mx1.example.com", "AAAA", 300, "::1"},
                       {"v4only.example.com", "A", 300, "127.0.0.3"},
                       {"nomail.example", "MX", 300, "0 ."}};
    fake = std::make_unique<FakeDns>(std::move(options));
    ASSERT_TRUE(fake->start());
    ASSERT_NE(fake->port(), 0);
    resolver = make({});
  }

  std::unique_ptr<Resolver> make(std::chrono::milliseconds timeout, int attempts = 1) {
    AresOptions options;
    options.nameservers = {fake->nameserver()};
    options.timeout = timeout.count() ? timeout : 1000ms;
    options.attempts = attempts;
    auto r = make_ares_resolver(options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    return r.ok() ? std::move(*r) : nullptr;
  }

  MxAnswer mx(const std::string& domain, Resolver* r = nullptr) {
    Waiter<MxAnswer> w;
    (r ? r : resolver.get())->resolve_mx(domain, w.callback());
    return w.get();
  }

  AddressAnswer addresses(const std::string& host) {
    Waiter<AddressAnswer> w;
    resolver->resolve_addresses(host, w.callback());
    return w.get();
  }

  std::unique_ptr<FakeDns> fake;
  std::unique_ptr<Resolver> resolver;
};

}  // namespace

TEST_F(AresAgainstFakeDns, MxRecordsComeBackInTheOrderServed) {
  const auto a = mx("example.com");
  EXPECT_EQ(a.outcome, Outcome::Ok) << a.detail;
  EXPECT_EQ(a.records, (std::vector<MxRecord>{{20, "mx2.example.com"}, {10, "mx1.example.com"}}));
  EXPECT_EQ(fake->query_log().back(), (DnsQueryLogEntry{"example.com", "MX", DnsProtocol::Udp}));
}

TEST_F(AresAgainstFakeDns, NullMxComesBackAsDot) {
  const auto a = mx("nomail.example");
  EXPECT_EQ(a.outcome, Outcome::Ok) << a.detail;
  EXPECT_EQ(a.records, (std::vector<MxRecord>{{0, "."}}));
}

TEST_F(AresAgainstFakeDns, UnknownDomainIsNxDomain) {
  const auto a = mx("nowhere.example.org");
  EXPECT_EQ(a.outcome, Outcome::NxDomain) << a.detail;
  EXPECT_TRUE(is_permanent(a.outcome));
}

TEST_F(AresAgainstFakeDns, NameWithoutMxIsNoData) {
  EXPECT_EQ(mx("mx1.example.com").outcome, Outcome::NoData);
}

TEST_F(AresAgainstFakeDns, ServFailAndRefusedAreTemporary) {
  fake->set_fault("example.com", DnsFault::ServFail);
  const auto servfail = mx("example.com");
  EXPECT_EQ(servfail.outcome, Outcome::ServFail) << servfail.detail;
  fake->set_fault("example.com", DnsFault::Refused);
  EXPECT_EQ(mx("example.com").outcome, Outcome::Refused);
  fake->set_fault("example.com", DnsFault::NxDomain);
  EXPECT_EQ(mx("example.com").outcome, Outcome::NxDomain);
  EXPECT_FALSE(is_permanent(Outcome::ServFail));
}

TEST_F(AresAgainstFakeDns, SilentServerIsATimeout) {
  fake->set_fault("example.com", DnsFault::Timeout);
  auto quick = make(200ms, 1);
  const auto started = std::chrono::steady_clock::now();
  const auto a = mx("example.com", quick.get());
  EXPECT_EQ(a.outcome, Outcome::Timeout) << a.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(AresAgainstFakeDns, TruncatedUdpAnswerIsRetriedOverTcp) {
  fake->set_fault("example.com", DnsFault::Truncate);
  const auto a = mx("example.com");
  EXPECT_EQ(a.outcome, Outcome::Ok) << a.detail;
  EXPECT_EQ(a.records.size(), 2u);
  EXPECT_GE(fake->query_count(DnsProtocol::Udp), 1u);
  EXPECT_GE(fake->query_count(DnsProtocol::Tcp), 1u);
  EXPECT_EQ(fake->query_log().back(), (DnsQueryLogEntry{"example.com", "MX", DnsProtocol::Tcp}));
}

TEST_F(AresAgainstFakeDns, AnswerLargerThan512OctetsArrivesOverTcp) {
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(fake->add_record({"big.example.com", "MX", 300, std::to_string(i) + " mx" + std::to_string(i) + ".some-long-provider-name.example.net"}));
  const auto a = mx("big.example.com");
  EXPECT_EQ(a.outcome, Outcome::Ok) << a.detail;
  ASSERT_EQ(a.records.size(), 40u);
  EXPECT_EQ(a.records[39].preference, 39);
  EXPECT_GE(fake->query_count(DnsProtocol::Tcp), 1u);
}

TEST_F(AresAgainstFakeDns, AddressesAreAThenAaaa) {
  const auto a = addresses("mx1.example.com");
  EXPECT_EQ(a.outcome, Outcome::Ok) << a.detail;
  EXPECT_EQ(a.addresses, (std::vector<std::string>{"127.0.0.2", "::1"}));
  const auto v4 = addresses("v4only.example.com");
  EXPECT_EQ(v4.outcome, Outcome::Ok);
  EXPECT_EQ(v4.addresses, std::vector<std::string>{"127.0.0.3"});
}

TEST_F(AresAgainstFakeDns, AddressOutcomesForMissingNames) {
  EXPECT_EQ(addresses("example.com").outcome, Outcome::NoData);  // MX only
  EXPECT_EQ(addresses("nowhere.example.org").outcome, Outcome::NxDomain);
  fake->set_fault("mx1.example.com", DnsFault::ServFail);
  EXPECT_EQ(addresses("mx1.example.com").outcome, Outcome::ServFail);
}

TEST_F(AresAgainstFakeDns, RuntimeZoneChangesAreSeenByTheNextQuery) {
  EXPECT_EQ(mx("late.example").outcome, Outcome::NxDomain);
  ASSERT_TRUE(fake->add_record({"late.example", "MX", 60, "5 mx.late.example"}));
  EXPECT_EQ(mx("late.example").records, (std::vector<MxRecord>{{5, "mx.late.example"}}));
  fake->remove_records("late.example");
  EXPECT_EQ(mx("late.example").outcome, Outcome::NxDomain);
}

TEST_F(AresAgainstFakeDns, ConcurrentCallersAllGetAnswers) {
  std::vector<Waiter<MxAnswer>> waiters(40);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 40; i += 4) resolver->resolve_mx(i % 2 ? "example.com" : "nomail.example", waiters[i].callback());
    });
  for (auto& th : threads) th.join();
  for (int i = 0; i < 40; ++i) EXPECT_EQ(waiters[i].get().outcome, Outcome::Ok) << i;
}

TEST_F(AresAgainstFakeDns, DestroyingTheResolverCancelsPendingQueries) {
  fake->set_fault("example.com", DnsFault::Timeout);
  auto slow = make(5000ms, 2);
  Waiter<MxAnswer> mx_wait;
  Waiter<AddressAnswer> addr_wait;
  slow->resolve_mx("example.com", mx_wait.callback());
  fake->set_fault("mx1.example.com", DnsFault::Timeout);
  slow->resolve_addresses("mx1.example.com", addr_wait.callback());
  slow.reset();  // callbacks must have run by the time this returns
  ASSERT_EQ(mx_wait.future.wait_for(0s), std::future_status::ready);
  ASSERT_EQ(addr_wait.future.wait_for(0s), std::future_status::ready);
  const auto a = mx_wait.future.get();
  EXPECT_EQ(a.outcome, Outcome::Error);
  EXPECT_NE(a.detail.find("cancelled"), std::string::npos) << a.detail;
  EXPECT_EQ(addr_wait.future.get().outcome, Outcome::Error);
}

TEST(AresResolver, RejectsMalformedNameservers) {
  AresOptions options;
  options.nameservers = {"not an address"};
  auto r = make_ares_resolver(options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("not an address"), std::string::npos) << r.error();
  EXPECT_EQ(to_string(Outcome::NxDomain), "nxdomain");
}
