// MX plan resolution (see mx_plan.hpp). Resolver callbacks arrive on the resolver's thread and
// are posted back to the awaiting coroutine's executor.
#include "mta/delivery/mx_plan.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <memory>
#include <random>

namespace mxlab::delivery {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

template <class Answer, class Start>
awaitable<Answer> await_answer(Start start) {
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(use_awaitable), void(Answer)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([shared, executor](Answer a) mutable {
          asio::post(executor, [shared, a = std::move(a)]() mutable { (*shared)(std::move(a)); });
        });
      },
      use_awaitable);
}

awaitable<dns::AddressAnswer> lookup_addresses(dns::Resolver& r, const std::string& host) {
  co_return co_await await_answer<dns::AddressAnswer>(
      [&](auto done) { r.resolve_addresses(host, std::move(done)); });
}

smtp::Reply temp_dns_failure(const std::string& what, const dns::MxAnswer& a) {
  return smtp::make_reply(451, "4.4.3",
                          "DNS lookup of " + what + " failed: " + std::string(dns::to_string(a.outcome)) +
                              (a.detail.empty() ? "" : " (" + a.detail + ")"));
}

}  // namespace

std::string MxPlan::describe() const {
  std::string out;
  for (const auto& t : targets) {
    if (!out.empty()) out += ' ';
    out += t.host + "[";
    for (std::size_t i = 0; i < t.addresses.size(); ++i) out += (i ? "," : "") + t.addresses[i];
    out += "]";
  }
  return out;
}

std::vector<dns::MxRecord> order_mx(std::vector<dns::MxRecord> records) {
  thread_local std::mt19937 gen{std::random_device{}()};
  std::shuffle(records.begin(), records.end(), gen);
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.preference < b.preference; });
  return records;
}

awaitable<MxPlan> resolve_mx_plan(dns::Resolver& resolver, const std::string& domain, int max_addresses) {
  MxPlan plan;
  auto mx = co_await await_answer<dns::MxAnswer>([&](auto done) { resolver.resolve_mx(domain, std::move(done)); });
  if (mx.outcome == dns::Outcome::NxDomain) {
    plan.failure = smtp::make_reply(550, "5.1.2", "domain " + domain + " does not exist (NXDOMAIN)");
    co_return plan;
  }
  if (mx.outcome == dns::Outcome::Ok && mx.records.size() == 1 && mx.records[0].host == ".") {
    plan.failure = smtp::make_reply(556, "5.1.10", "domain " + domain + " does not accept mail (null MX)");
    co_return plan;
  }
  if (mx.outcome != dns::Outcome::Ok && mx.outcome != dns::Outcome::NoData) {
    plan.failure = temp_dns_failure("MX " + domain, mx);
    co_return plan;
  }
  std::vector<dns::MxRecord> records;
  if (mx.outcome == dns::Outcome::NoData || mx.records.empty()) {
    records.push_back({0, domain});  // implicit MX (RFC 5321 5.1): only when no MX records exist
  } else {
    for (auto& r : mx.records)
      if (r.host != ".") records.push_back(r);
    records = order_mx(std::move(records));
  }
  int budget = max_addresses > 0 ? max_addresses : 1 << 30;
  bool temp_failure = false;
  for (const auto& r : records) {
    if (budget <= 0) break;
    auto a = co_await lookup_addresses(resolver, r.host);
    if (a.outcome != dns::Outcome::Ok) {
      temp_failure = temp_failure || !(a.outcome == dns::Outcome::NxDomain || a.outcome == dns::Outcome::NoData);
      continue;
    }
    MxTarget t{r.host, r.preference, {}};
    for (auto& addr : a.addresses) {
      if (budget-- <= 0) break;
      t.addresses.push_back(addr);
    }
    plan.targets.push_back(std::move(t));
  }
  if (plan.targets.empty()) {
    if (records.size() == 1 && records[0].host == domain && mx.outcome == dns::Outcome::NoData && !temp_failure) {
      plan.failure = smtp::make_reply(550, "5.1.2", "domain " + domain + " has no MX and no address records");
    } else {
      plan.failure = smtp::make_reply(451, "4.4.4", "no address found for any MX host of " + domain);
    }
  }
  co_return plan;
}

}  // namespace mxlab::delivery
