// Scenario execution and checking (see scenario_runner.hpp).
#include "sim/fake_mx/scenario_runner.hpp"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "mta/core/mta.hpp"
#include "mta/delivery/smtp_send.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"
#include "sim/fake_mx/mx_host.hpp"

namespace mxlab::fakemx {

namespace {

// Log records by recipient, filled by the MTA's log listener.
class LogCollector {
 public:
  void add(const log::LogRecord& r) {
    std::lock_guard lock(mu_);
    by_rcpt_[r.recipient].push_back(r);
    cv_.notify_all();
  }
  std::map<std::string, std::vector<log::LogRecord>> snapshot() {
    std::lock_guard lock(mu_);
    return by_rcpt_;
  }
  template <class Pred>
  bool wait_until(std::chrono::steady_clock::time_point deadline, Pred done) {
    std::unique_lock lock(mu_);
    while (!done()) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return done();
    }
    return true;
  }
  // For wait_until predicates, which run with the lock held.
  const std::map<std::string, std::vector<log::LogRecord>>& unlocked_view() const { return by_rcpt_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<log::LogRecord>> by_rcpt_;
};

std::string describe(const log::LogRecord& r) {
  std::string s = std::string(log::to_string(r.type));
  if (r.response.code) s += " " + std::to_string(r.response.code) + " " + r.response.content;
  if (!r.peer_address.name.empty() && r.type != log::RecordType::Reception) s += " at " + r.peer_address.name;
  return s;
}

// Empty when the expectation holds; else what differs.
std::string check(const RecipientExpectation& e, const std::vector<log::LogRecord>& records) {
  std::vector<std::string> types;
  for (const auto& r : records) types.push_back(std::string(log::to_string(r.type)));
  const log::LogRecord* last = records.empty() ? nullptr : &records.back();
  std::string where = "line " + std::to_string(e.line) + ": " + e.recipient + ": ";
  if (!e.log.empty() && types != e.log) {
    std::string want, got;
    for (const auto& t : e.log) want += (want.empty() ? "" : ", ") + t;
    for (const auto& t : types) got += (got.empty() ? "" : ", ") + t;
    return where + "log expected [" + want + "] got [" + got + "]";
  }
  auto last_is = [&](log::RecordType t) { return last && last->type == t; };
  if (e.delivered_to) {
    if (!last_is(log::RecordType::Delivery) || last->peer_address.name != *e.delivered_to) {
      return where + "expected delivered to " + *e.delivered_to + ", got " + (last ? describe(*last) : "nothing");
    }
  } else if (e.bounced) {
    if (!last_is(log::RecordType::Bounce) || last->response.code != *e.bounced) {
      return where + "expected bounced " + std::to_string(*e.bounced) + ", got " + (last ? describe(*last) : "nothing");
    }
  } else if (e.deferred) {
    if (!last_is(log::RecordType::TransientFailure) || last->response.code != *e.deferred) {
      return where + "expected deferred " + std::to_string(*e.deferred) + ", got " +
             (last ? describe(*last) : "nothing");
    }
  }
  return {};
}

// Starts every host on one shared port (the MTA's single delivery port); retries with a new
// port when another process holds it on one of the addresses.
}  // namespace

Expected<std::vector<std::unique_ptr<MxHost>>> start_hosts(const Scenario& s) {
  std::string last_error = "no attempt";
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<std::unique_ptr<MxHost>> hosts;
    std::uint16_t port = 0;
    Status st;
    for (const auto& h : s.hosts) {
      MxHostConfig c;
      c.name = h.name;
      c.address = h.address;
      c.port = port;
      c.rules = h.rules;
      c.server = h.server;
      c.behaviour = h.behaviour;
      c.refuse = h.refuse;
      c.record_path = h.record;
      auto host = std::make_unique<MxHost>(c);
      st = host->start();
      if (!st) break;
      port = host->port();
      hosts.push_back(std::move(host));
    }
    if (st) return hosts;
    last_error = st.error;
  }
  return unexpected("cannot start MX hosts: " + last_error);
}

FakeDnsOptions dns_options(const Scenario& s) {
  FakeDnsOptions o{"127.0.0.1", 0, s.dns};
  o.faults = s.dns_faults;
  o.server = s.dns_options;
  return o;
}

std::string recording_json(const std::vector<std::unique_ptr<MxHost>>& hosts) {
  std::string out = "{\"hosts\":[";
  for (std::size_t i = 0; i < hosts.size(); ++i) out += (i ? "," : "") + hosts[i]->recording_json();
  return out + "]}";
}

std::string ScenarioReport::text() const {
  std::string out = passed ? "PASS\n" : "FAIL\n";
  for (const auto& p : problems) out += "  - " + p + "\n";
  if (!events.empty()) out += "what happened:\n";
  for (const auto& e : events) out += "  " + e + "\n";
  return out;
}

ScenarioReport run_scenario(const Scenario& s, const std::string& workdir,
                            const std::function<void(const std::string&)>& say, const std::string& record_path) {
  ScenarioReport report;
  auto tell = [&](const std::string& line) { if (say) say(line); };
  FakeDns dns(dns_options(s));
  if (auto st = dns.start(); !st) return {false, {"fake DNS: " + st.error}, {}};
  auto hosts = start_hosts(s);
  if (!hosts) return {false, {hosts.error()}, {}};
  tell("dns " + dns.nameserver());
  for (const auto& h : *hosts) tell("mx " + h->config().name + " " + h->config().address + ":" + std::to_string(h->port()));

  config::MtaConfig cfg = s.mta;
  std::filesystem::create_directories(workdir);
  cfg.spool.path = workdir + "/spool";
  cfg.listeners = {{"127.0.0.1", 0}};
  cfg.admin.port = 0;
  cfg.resolver.nameservers = {dns.nameserver()};
  if (!hosts->empty()) cfg.delivery.port = hosts->front()->port();
  // Declared before the MTA, so it outlives it: the listener runs on the MTA's io thread until
  // the MTA stops, including on the early returns below.
  LogCollector collected;
  core::Mta mta(cfg);
  mta.delivery_log().add_listener([&](const log::LogRecord& r) { collected.add(r); });
  if (auto st = mta.start(); !st) return {false, {"mtad: " + st.error}, {}};
  tell("mtad smtp 127.0.0.1:" + std::to_string(mta.smtp_port()) + " admin 127.0.0.1:" + std::to_string(mta.admin_port()));

  for (const auto& m : s.messages) {
    delivery::SendRequest req{"127.0.0.1", mta.smtp_port(), "scenario.mxlab.test", m.from, m.to, m.data};
    auto sent = delivery::send_message(req);
    if (!sent || !sent->accepted()) {
      report.problems.push_back("message from " + m.from + " not accepted: " +
                                (sent ? sent->final_reply.summary() : sent.error()));
    }
  }
  auto deadline = std::chrono::steady_clock::now() + s.timeout;
  auto all_hold = [&](const std::map<std::string, std::vector<log::LogRecord>>& by) {
    for (const auto& e : s.expect) {
      auto it = by.find(e.recipient);
      if (!check(e, it == by.end() ? std::vector<log::LogRecord>{} : it->second).empty()) return false;
    }
    return true;
  };
  collected.wait_until(deadline, [&] { return all_hold(collected.unlocked_view()); });
  auto by = collected.snapshot();
  for (const auto& e : s.expect) {
    auto it = by.find(e.recipient);
    auto problem = check(e, it == by.end() ? std::vector<log::LogRecord>{} : it->second);
    if (!problem.empty()) report.problems.push_back(problem);
  }
  for (const auto& [rcpt, records] : by)
    for (const auto& r : records) report.events.push_back(rcpt + ": " + describe(r));
  mta.stop();
  for (auto& h : *hosts) h->stop();
  if (!record_path.empty()) {
    std::ofstream out(record_path, std::ios::binary | std::ios::trunc);
    out << recording_json(*hosts) << "\n";
    if (!out) report.problems.push_back("cannot write the recording to " + record_path);
  }
  dns.stop();
  report.passed = report.problems.empty();
  return report;
}

}  // namespace mxlab::fakemx
