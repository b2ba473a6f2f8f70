// Scenario execution and checking (see scenario_runner.hpp).
#include "sim/fake_mx/scenario_runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <boost/json.hpp>

#include "kcli/api_client.hpp"
#include "mta/core/mta.hpp"
#include "mta/delivery/smtp_send.hpp"
#include "mta/trace/trace_hub.hpp"
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
    ++count_;
    cv_.notify_all();
  }
  std::map<std::string, std::vector<log::LogRecord>> snapshot() {
    std::lock_guard lock(mu_);
    return by_rcpt_;
  }
  // Returns when a record arrives or at `until`.
  void wait_for_more(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mu_);
    const std::size_t seen = count_;
    cv_.wait_until(lock, until, [&] { return count_ != seen; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<log::LogRecord>> by_rcpt_;
  std::size_t count_ = 0;
};

// Runs the scenario's admin API calls for one moment (start / sent); a failure is a problem.
void run_admin_steps(const Scenario& s, bool after_messages, const kcli::ApiClient& api, ScenarioReport& report) {
  for (const auto& step : s.admin) {
    if (step.after_messages != after_messages) continue;
    boost::system::error_code ec;
    auto body = boost::json::parse(step.body, ec);  // written by the loader: always an object
    auto reply = step.method == "POST" ? api.post_json(step.path, body) : api.delete_json(step.path, body);
    if (!reply)
      report.problems.push_back("line " + std::to_string(step.line) + ": admin " + step.method + " " + step.path +
                                ": " + reply.error().message);
  }
}

// Submits each message; a reply other than the one the scenario names is a problem.
void send_messages(const Scenario& s, std::uint16_t port, ScenarioReport& report) {
  for (const auto& m : s.messages) {
    delivery::SendRequest req{"127.0.0.1", port, "scenario.mxlab.test", m.from, m.to, m.data};
    auto sent = delivery::send_message(req);
    const int want = m.reply.value_or(250);
    if (!sent || sent->final_reply.code != want) {
      report.problems.push_back("line " + std::to_string(m.line) + ": message from " + m.from +
                                "\n    expected: reply " + std::to_string(want) +
                                "\n    actual:   " + (sent ? sent->final_reply.summary() : sent.error()));
    }
  }
}

// The queue as operators see it (GET /api/admin/show-queue/v1): unlike Mta::queue_snapshot it
// tells suspended and in-flight envelopes from pending ones. Empty on an API failure, which the
// expectation's diff then shows as an empty queue.
std::vector<core::QueuedMessage> admin_queue(const kcli::ApiClient& api) {
  std::vector<core::QueuedMessage> out;
  auto reply = api.get_json("/api/admin/show-queue/v1");
  if (!reply || !reply->is_array()) return out;
  auto text = [](const boost::json::value* v) {
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  for (const auto& m : reply->as_array()) {
    if (!m.is_object()) continue;
    core::QueuedMessage msg;
    msg.id = text(m.as_object().if_contains("queue_id"));
    msg.sender = text(m.as_object().if_contains("sender"));
    msg.queue = text(m.as_object().if_contains("queue_name"));
    const auto* rcpts = m.as_object().if_contains("recipients");
    if (!rcpts || !rcpts->is_array()) continue;
    for (const auto& r : rcpts->as_array()) {
      if (!r.is_object()) continue;
      const auto& o = r.as_object();
      core::QueuedEnvelope e;
      e.envelope_id = text(o.if_contains("envelope_id"));
      e.recipient = text(o.if_contains("recipient"));
      e.state = text(o.if_contains("state"));
      const auto* n = o.if_contains("num_attempts");
      e.attempts = n && n->is_int64() ? static_cast<int>(n->as_int64()) : 0;
      e.last_error = text(o.if_contains("last_error"));
      msg.envelopes.push_back(std::move(e));
    }
    out.push_back(std::move(msg));
  }
  return out;
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
      c.recording = h.recording;
      c.tls = h.tls;
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
  cfg.admin.enabled = true;  // admin steps and expect_queue go through it
  cfg.resolver.nameservers = {dns.nameserver()};
  if (!hosts->empty()) cfg.delivery.port = hosts->front()->port();
  // Declared before the MTA, so it outlives it: the listener runs on the MTA's io thread until
  // the MTA stops, including on the early returns below.
  LogCollector collected;
  core::Mta mta(cfg);
  mta.delivery_log().add_listener([&](const log::LogRecord& r) { collected.add(r); });
  if (auto st = mta.start(); !st) return {false, {"mtad: " + st.error}, {}};
  tell("mtad smtp 127.0.0.1:" + std::to_string(mta.smtp_port()) + " admin 127.0.0.1:" + std::to_string(mta.admin_port()));
  // expect_trace: subscribed before any mail moves, so every session of the run is seen.
  std::shared_ptr<trace::TraceSubscription> client_sub, server_sub;
  if (!s.expect.trace.empty()) {
    client_sub = mta.trace_hub().subscribe({trace::Direction::Client, {}, 1 << 16, "scenario-client"});
    server_sub = mta.trace_hub().subscribe({trace::Direction::Server, {}, 1 << 16, "scenario-server"});
  }
  TracedSessions client_seen, server_seen;
  auto drain = [](trace::TraceSubscription* sub, TracedSessions& into) {
    if (!sub) return;
    while (auto ev = sub->try_next())
      if (!ev->session_id.empty()) into[ev->session_id].push_back({std::string(trace::to_string(ev->kind)), ev->payload});
  };

  auto api = kcli::ApiClient::create("http://127.0.0.1:" + std::to_string(mta.admin_port()), std::chrono::seconds(10));
  if (!api) return {false, {"admin API: " + api.error().message}, {}};
  run_admin_steps(s, false, *api, report);
  send_messages(s, mta.smtp_port(), report);
  run_admin_steps(s, true, *api, report);
  // Expectations are checked against fresh snapshots until they all hold or the deadline
  // passes; log records wake the loop at once, queue and host state is looked at every 20 ms.
  auto observe = [&] {
    Observed o;
    o.log_by_recipient = collected.snapshot();
    if (!s.expect.queue.empty()) o.queue = admin_queue(*api);
    for (const auto& h : *hosts) o.received[h->config().name] = h->transactions();
    drain(client_sub.get(), client_seen);
    drain(server_sub.get(), server_seen);
    o.client_trace = client_seen;
    o.server_trace = server_seen;
    return o;
  };
  auto deadline = std::chrono::steady_clock::now() + s.timeout;
  Observed seen = observe();
  std::vector<std::string> problems = check(s.expect, seen);
  while (!problems.empty() && std::chrono::steady_clock::now() < deadline) {
    collected.wait_for_more(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    seen = observe();
    problems = check(s.expect, seen);
  }
  report.problems.insert(report.problems.end(), problems.begin(), problems.end());
  for (const auto& [rcpt, records] : seen.log_by_recipient)
    for (const auto& r : records) report.events.push_back(rcpt + ": " + describe(r));
  for (const auto& [host, txs] : seen.received)
    for (const auto& t : txs)
      report.events.push_back(host + " received <" + t.mail_from + "> -> " + (t.rcpt_to.empty() ? "" : t.rcpt_to.front()) +
                              (t.rcpt_to.size() > 1 ? " (+" + std::to_string(t.rcpt_to.size() - 1) + ")" : ""));
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
