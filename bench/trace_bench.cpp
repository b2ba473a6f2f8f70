// trace_bench: what tracing costs. Relay throughput through an in-process MTA into a fake MX with
// no trace subscriber, one fast subscriber (a thread taking every event), and one stalled
// subscriber (never reads: its buffer fills and the rest is dropped, counted); then the raw event
// rate one subscriber receives from the hub. One JSON object per line; bench/run.py reports them.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "mta/core/mta.hpp"
#include "mta/delivery/smtp_send.hpp"
#include "mta/trace/trace_hub.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"
#include "sim/fake_mx/mx_host.hpp"

using namespace mxlab;
using Steady = std::chrono::steady_clock;

namespace {

struct Options {
  int messages = 2000;
  int senders = 20;
  std::size_t size = 10240;
  int events = 2'000'000;
};

std::string message_of_size(std::size_t size) {
  std::string m = "From: <bench@origin.test>\r\nTo: <user@bench.test>\r\nSubject: trace bench\r\n\r\n";
  while (m.size() + 80 < size) m += std::string(78, 'x') + "\r\n";
  return m;
}

int send_all(std::uint16_t port, const Options& o) {
  std::atomic<int> next{0}, failures{0};
  std::string data = message_of_size(o.size);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.senders; ++t) {
    threads.emplace_back([&] {
      delivery::SendRequest req{"127.0.0.1", port, "bench.client", "bench@origin.test", {"user@bench.test"}, data};
      while (next++ < o.messages) {
        auto r = delivery::send_message(req);
        if (!r || !r->accepted()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  return failures;
}

// One relay run; `subscriber` is "none", "fast" or "stalled" (client and server traces both).
int run_relay(const Options& o, const std::string& subscriber) {
  fakemx::FakeDns dns({"127.0.0.1", 0, {{"bench.test", "MX", 300, "10 mx1.bench.test"},
                                         {"mx1.bench.test", "A", 300, "127.0.0.2"}}});
  if (auto st = dns.start(); !st) return std::fprintf(stderr, "%s\n", st.error.c_str()), 1;
  fakemx::MxHostConfig c;
  c.name = "mx1.bench.test";
  c.address = "127.0.0.2";
  fakemx::MxHost mx(c);
  if (auto st = mx.start(); !st) return std::fprintf(stderr, "%s\n", st.error.c_str()), 1;
  auto dir = std::filesystem::temp_directory_path() / ("trace-bench-" + std::to_string(::getpid()));
  config::MtaConfig cfg;
  cfg.hostname = "mta.bench.test";
  cfg.spool = {(dir / "spool").string(), true};
  cfg.listeners = {{"127.0.0.1", 0}};
  cfg.admin.enabled = false;
  cfg.resolver.nameservers = {dns.nameserver()};
  cfg.delivery.port = mx.port();
  core::Mta mta(cfg);
  std::mutex mu;
  std::condition_variable cv;
  int delivered = 0;
  mta.delivery_log().add_listener([&](const log::LogRecord& r) {
    if (r.type != log::RecordType::Delivery) return;
    std::lock_guard lock(mu);
    ++delivered;
    cv.notify_all();
  });
  if (auto st = mta.start(); !st) return std::fprintf(stderr, "%s\n", st.error.c_str()), 1;
  std::vector<std::shared_ptr<trace::TraceSubscription>> subs;
  std::vector<std::thread> readers;
  if (subscriber != "none") {
    for (auto d : {trace::Direction::Client, trace::Direction::Server})
      subs.push_back(mta.trace_hub().subscribe({d, {}, trace::kDefaultTraceCapacity, subscriber}));
  }
  if (subscriber == "fast") {
    for (auto& s : subs)
      readers.emplace_back([s] {
        while (!s->closed()) s->next(std::chrono::milliseconds(100));
      });
  }
  auto t0 = Steady::now();
  int failures = send_all(mta.smtp_port(), o);
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(300), [&] { return delivered >= o.messages - failures; });
  }
  double total_s = std::chrono::duration<double>(Steady::now() - t0).count();
  trace::TraceCounts counts;
  for (auto& s : subs) {
    s->close();
    auto c = s->counts();
    counts.produced += c.produced, counts.delivered += c.delivered, counts.dropped += c.dropped;
    counts.filtered += c.filtered;
  }
  for (auto& t : readers) t.join();
  mta.stop();
  std::filesystem::remove_all(dir);
  std::printf("{\"mode\":\"relay\",\"subscriber\":\"%s\",\"messages\":%d,\"senders\":%d,\"size\":%zu,"
              "\"total_seconds\":%.3f,\"relayed_per_s\":%.1f,\"failures\":%d,\"events\":%llu,\"delivered\":%llu,"
              "\"dropped\":%llu,\"balanced\":%s}\n",
              subscriber.c_str(), o.messages, o.senders, o.size, total_s, o.messages / total_s, failures,
              static_cast<unsigned long long>(counts.produced), static_cast<unsigned long long>(counts.delivered),
              static_cast<unsigned long long>(counts.dropped),
              counts.produced == counts.delivered + counts.dropped + counts.filtered ? "true" : "false");
  std::fflush(stdout);
  return 0;
}

// The hub alone: one producer thread publishing protocol-line-sized events, one subscriber
// taking them as fast as it can; how many reach it per second, and how many are dropped.
int run_event_rate(const Options& o) {
  trace::TraceHub hub;
  auto sub = hub.subscribe({trace::Direction::Client, {}, trace::kDefaultTraceCapacity, "rate"});
  auto meta = std::make_shared<const trace::ConnMeta>(trace::ConnMeta{{"id", "bench"}, {"domain", "bench.test"}});
  std::atomic<bool> done{false};
  std::uint64_t received = 0;
  std::thread reader([&] {
    while (!done || sub->counts().queued > 0) {
      if (sub->next(std::chrono::milliseconds(50))) ++received;
    }
  });
  auto t0 = Steady::now();
  for (int i = 0; i < o.events; ++i) {
    trace::TraceEvent e{trace::Direction::Client, trace::EventKind::Write, "bench", "", "", "RCPT TO:<user@bench.test>\r\n"};
    e.meta = meta;
    hub.publish(std::move(e));
  }
  double publish_s = std::chrono::duration<double>(Steady::now() - t0).count();
  done = true;
  reader.join();
  double total_s = std::chrono::duration<double>(Steady::now() - t0).count();
  auto c = sub->counts();
  std::printf("{\"mode\":\"event-rate\",\"events\":%d,\"published_per_s\":%.0f,\"received_per_s\":%.0f,"
              "\"delivered\":%llu,\"dropped\":%llu,\"balanced\":%s}\n",
              o.events, o.events / publish_s, c.delivered / total_s, static_cast<unsigned long long>(c.delivered),
              static_cast<unsigned long long>(c.dropped), c.balanced() ? "true" : "false");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string mode = "all";
  CLI::App app{"trace_bench: relay throughput with and without trace subscribers; hub event rate"};
  app.add_option("--messages", o.messages, "messages to relay per run")->capture_default_str();
  app.add_option("--senders", o.senders, "concurrent senders")->capture_default_str();
  app.add_option("--size", o.size, "message size in bytes")->capture_default_str();
  app.add_option("--events", o.events, "events for the event-rate run")->capture_default_str();
  app.add_option("--mode", mode, "none | fast | stalled | event-rate | all")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (mode == "event-rate") return run_event_rate(o);
  if (mode != "all") return run_relay(o, mode);
  for (const char* m : {"none", "fast", "stalled", "none", "fast", "stalled"})
    if (int rc = run_relay(o, m)) return rc;
  return run_event_rate(o);
}
