// relay_bench: measures mtad's relay throughput (SMTP in -> spool -> MX plan -> SMTP out into a
// fake MX) and fakemx's sink throughput, with load from internal senders or from Postfix's
// smtp-source. Prints one JSON object per run; bench/run.py compares against Postfix's peers.
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
#include "sim/fake_mx/dns/fake_dns.hpp"
#include "sim/fake_mx/mx_host.hpp"

using namespace mxlab;
using Steady = std::chrono::steady_clock;

namespace {

struct Options {
  int messages = 2000;
  int senders = 20;
  std::size_t size = 10240;
  bool sync = true;
  std::string smtp_source;  // path to smtp-source; empty = internal senders
  bool sink_only = false;
};

std::string message_of_size(std::size_t size) {
  std::string m = "From: <bench@origin.test>\r\nTo: <user@bench.test>\r\nSubject: relay bench\r\n\r\n";
  while (m.size() + 80 < size) m += std::string(78, 'x') + "\r\n";
  return m;
}

// Sends `total` messages from `senders` threads, one connection per message (like smtp-source -c).
int internal_load(const std::string& host, std::uint16_t port, const Options& o) {
  std::atomic<int> next{0}, failures{0};
  std::string data = message_of_size(o.size);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.senders; ++t) {
    threads.emplace_back([&] {
      delivery::SendRequest req{host, port, "bench.client", "bench@origin.test", {"user@bench.test"}, data};
      while (next++ < o.messages) {
        auto r = delivery::send_message(req);
        if (!r || !r->accepted()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  return failures;
}

int external_load(const std::string& host, std::uint16_t port, const Options& o) {
  std::string lib = std::filesystem::path(o.smtp_source).parent_path().parent_path().string() + "/lib/postfix";
  std::string cmd = "LD_LIBRARY_PATH=" + lib + " " + o.smtp_source + " -s " + std::to_string(o.senders) + " -m " +
                    std::to_string(o.messages) + " -l " + std::to_string(o.size) +
                    " -f bench@origin.test -t user@bench.test " + host + ":" + std::to_string(port);
  return std::system(cmd.c_str()) == 0 ? 0 : 1;
}

int load(const std::string& host, std::uint16_t port, const Options& o) {
  return o.smtp_source.empty() ? internal_load(host, port, o) : external_load(host, port, o);
}

void report(const char* mode, const Options& o, double accept_s, double total_s, int failures) {
  std::printf("{\"mode\":\"%s\",\"load\":\"%s\",\"messages\":%d,\"senders\":%d,\"size\":%zu,\"sync\":%s,"
              "\"accept_seconds\":%.3f,\"total_seconds\":%.3f,\"accepted_per_s\":%.1f,\"relayed_per_s\":%.1f,"
              "\"failures\":%d}\n",
              mode, o.smtp_source.empty() ? "internal" : "smtp-source", o.messages, o.senders, o.size,
              o.sync ? "true" : "false", accept_s, total_s, o.messages / accept_s, o.messages / total_s, failures);
  std::fflush(stdout);
}

int run_sink(const Options& o) {
  fakemx::MxHostConfig c;
  c.name = "sink";
  c.address = "127.0.0.2";
  fakemx::MxHost host(c);
  if (auto st = host.start(); !st) return std::fprintf(stderr, "%s\n", st.error.c_str()), 1;
  auto t0 = Steady::now();
  int failures = load(c.address, host.port(), o);
  host.wait_for_transactions(o.messages, std::chrono::seconds(120));
  double s = std::chrono::duration<double>(Steady::now() - t0).count();
  report("fakemx-sink", o, s, s, failures);
  return 0;
}

int run_relay(const Options& o) {
  fakemx::FakeDns dns({"127.0.0.1", 0, {{"bench.test", "MX", 300, "10 mx1.bench.test"},
                                         {"mx1.bench.test", "A", 300, "127.0.0.2"}}});
  if (auto st = dns.start(); !st) return std::fprintf(stderr, "%s\n", st.error.c_str()), 1;
  fakemx::MxHostConfig c;
  c.name = "mx1.bench.test";
  c.address = "127.0.0.2";
  fakemx::MxHost mx(c);
  if (auto st = mx.start(); !st) return std::fprintf(stderr, "%s\n", st.error.c_str()), 1;

  auto dir = std::filesystem::temp_directory_path() / ("relay-bench-" + std::to_string(::getpid()));
  config::MtaConfig cfg;
  cfg.hostname = "mta.bench.test";
  cfg.spool = {(dir / "spool").string(), o.sync};
  cfg.listeners = {{"127.0.0.1", 0}};
  cfg.admin.enabled = false;
  cfg.resolver.nameservers = {dns.nameserver()};
  cfg.delivery.port = mx.port();
  cfg.retry.initial_interval = std::chrono::milliseconds(100);
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
  auto t0 = Steady::now();
  int failures = load("127.0.0.1", mta.smtp_port(), o);
  double accept_s = std::chrono::duration<double>(Steady::now() - t0).count();
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(300), [&] { return delivered >= o.messages - failures; });
  }
  double total_s = std::chrono::duration<double>(Steady::now() - t0).count();
  mta.stop();
  std::filesystem::remove_all(dir);
  report("mtad-relay", o, accept_s, total_s, failures);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"relay_bench: mtad relay and fakemx sink throughput"};
  app.add_option("--messages", o.messages, "messages to send")->capture_default_str();
  app.add_option("--senders", o.senders, "concurrent senders")->capture_default_str();
  app.add_option("--size", o.size, "message size in bytes")->capture_default_str();
  bool nosync = false;
  app.add_flag("--nosync", nosync, "spool without fsync (measures the cost of durability)");
  app.add_option("--smtp-source", o.smtp_source, "use Postfix smtp-source at this path as the load");
  app.add_flag("--sink-only", o.sink_only, "measure the fake MX alone");
  CLI11_PARSE(app, argc, argv);
  o.sync = !nosync;
  return o.sink_only ? run_sink(o) : run_relay(o);
}
