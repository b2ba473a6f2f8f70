// fakemx: fake MX and DNS servers for testing senders.
//   fakemx run FILE [--record OUT]   runs a scenario: exit 0 when every expectation holds, 1 with a
//                                    readable diff when not, 2 for a bad file.
//   fakemx serve FILE [--control ADDR:PORT] [--control-token T] [--record OUT]
//                                    serves the scenario's DNS and hosts (no MTA, no messages) with
//                                    the HTTP control API until SIGINT/SIGTERM, then writes OUT.
//   fakemx blast ADDR:PORT [-c N] [-n N] ...
//                                    load generator: prints a JSON summary on stdout, a progress
//                                    bar on stderr when it is a terminal.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sim/fake_mx/blast/blast.hpp"
#include "sim/fake_mx/control_api.hpp"
#include "sim/fake_mx/scenario_runner.hpp"

namespace {

using namespace mxlab::fakemx;

int run(const std::string& file, std::string workdir, bool keep, const std::string& record) {
  auto scenario = load_scenario_file(file);
  if (!scenario) {
    std::fprintf(stderr, "fakemx: %s\n", scenario.error().str().c_str());
    return 2;
  }
  bool temporary = workdir.empty();
  if (temporary) {
    workdir = (std::filesystem::temp_directory_path() / ("fakemx-" + std::to_string(::getpid()))).string();
  }
  std::printf("scenario %s: %s\n", scenario->name.c_str(), scenario->description.c_str());
  auto report = run_scenario(*scenario, workdir, [](const std::string& line) {
    std::printf("  listening: %s\n", line.c_str());
    std::fflush(stdout);
  }, record);
  std::printf("%s", report.text().c_str());
  if (temporary && !keep) std::filesystem::remove_all(workdir);
  return report.passed ? 0 : 1;
}

int serve(const std::string& file, const std::string& control, const ControlAccess& access, const std::string& record) {
  auto scenario = load_scenario_file(file, ScenarioUse::Serve);
  if (!scenario) {
    std::fprintf(stderr, "fakemx: %s\n", scenario.error().str().c_str());
    return 2;
  }
  // Block the stop signals before any thread starts, so only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FakeDns dns(dns_options(*scenario));
  if (auto st = dns.start(); !st) {
    std::fprintf(stderr, "fakemx: fake DNS: %s\n", st.error.c_str());
    return 1;
  }
  auto hosts = start_hosts(*scenario);
  if (!hosts) {
    std::fprintf(stderr, "fakemx: %s\n", hosts.error().c_str());
    return 1;
  }
  ControlTargets targets{{}, &dns};
  for (auto& h : *hosts) targets.hosts.push_back(h.get());
  ControlApi api(targets);
  auto colon = control.rfind(':');
  std::string address = control.substr(0, colon);
  auto port = static_cast<std::uint16_t>(colon == std::string::npos ? 0 : std::stoi(control.substr(colon + 1)));
  if (auto st = api.start(address, port, access); !st) {
    std::fprintf(stderr, "fakemx: %s\n", st.error.c_str());
    return 1;
  }
  std::printf("dns %s\n", dns.nameserver().c_str());
  for (const auto& h : *hosts)
    std::printf("mx %s %s:%u%s\n", h->config().name.c_str(), h->config().address.c_str(), h->port(),
                h->config().refuse ? " (refusing)" : "");
  std::printf("control http://%s:%u/api/fakemx/v1/\n", address.c_str(), api.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  api.stop();
  for (auto& h : *hosts) h->stop();
  dns.stop();
  if (!record.empty()) {
    std::ofstream out(record, std::ios::binary | std::ios::trunc);
    out << recording_json(*hosts) << "\n";
    if (!out) {
      std::fprintf(stderr, "fakemx: cannot write %s\n", record.c_str());
      return 1;
    }
  }
  return 0;
}

void draw_progress(const BlastProgress& p) {
  constexpr int kWidth = 30;
  int filled = p.total ? static_cast<int>(kWidth * p.done / p.total) : kWidth;
  double rate = p.elapsed_s > 0 ? static_cast<double>(p.accepted) / p.elapsed_s : 0;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu accepted %zu  %.0f msg/s ", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '.').c_str(), p.done, p.total, p.accepted, rate);
  std::fflush(stderr);
}

int blast(const std::string& server, BlastOptions options, bool progress) {
  auto colon = server.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(server.substr(colon + 1));
    } catch (const std::exception&) {
    }
  }
  if (colon == std::string::npos || port <= 0 || port > 65535) {
    std::fprintf(stderr, "fakemx blast: server must be ADDRESS:PORT, got '%s'\n", server.c_str());
    return 2;
  }
  options.address = server.substr(0, colon);
  options.port = static_cast<std::uint16_t>(port);
  bool bar = progress && ::isatty(STDERR_FILENO);
  auto result = run_blast(options, bar ? BlastProgressFn(draw_progress) : BlastProgressFn());
  if (bar) std::fprintf(stderr, "\n");
  if (!result) {
    std::fprintf(stderr, "fakemx blast: %s\n", result.error().c_str());
    return 2;
  }
  std::printf("%s\n", result->json().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"fakemx: scriptable fake MX and DNS servers"};
  app.require_subcommand(1);
  std::string file, workdir, record, control = "127.0.0.1:0";
  bool keep = false;
  auto* run_cmd = app.add_subcommand("run", "run a scenario file and check its expectations");
  run_cmd->add_option("file", file, "scenario YAML file")->required()->check(CLI::ExistingFile);
  run_cmd->add_option("--workdir", workdir, "directory for the spool (default: a temporary one)");
  run_cmd->add_flag("--keep", keep, "keep the temporary directory");
  run_cmd->add_option("--record", record, "write every session and transaction as JSON to this file");
  auto* serve_cmd = app.add_subcommand("serve", "serve a scenario's DNS and MX hosts until SIGINT/SIGTERM");
  serve_cmd->add_option("file", file, "scenario YAML file (messages and expect are ignored)")
      ->required()->check(CLI::ExistingFile);
  serve_cmd->add_option("--control", control, "address:port of the HTTP control API (default 127.0.0.1:0)");
  serve_cmd->add_option("--record", record, "write every session and transaction as JSON on exit");
  ControlAccess access;
  serve_cmd->add_option("--control-token", access.token, "require this token on the control API (Bearer or Basic)")
      ->envname("FAKEMX_CONTROL_TOKEN");
  serve_cmd->add_option("--control-trusted", access.trusted_hosts, "CIDRs allowed to use the control API")
      ->capture_default_str();
  serve_cmd->add_flag("--allow-unauthenticated", access.allow_unauthenticated,
                      "allow a non-loopback --control address without --control-token");
  auto* blast_cmd = app.add_subcommand("blast", "load an SMTP server with many sessions and messages");
  std::string server;
  BlastOptions bo;
  bool no_pipelining = false, no_starttls = false, no_progress = false;
  blast_cmd->add_option("server", server, "ADDRESS:PORT of the SMTP server")->required();
  blast_cmd->add_option("-c,--connections", bo.connections, "concurrent sessions (default 10)")->check(CLI::PositiveNumber);
  blast_cmd->add_option("-n,--messages", bo.messages, "messages to send (default 100)");
  blast_cmd->add_option("--per-connection", bo.per_connection, "messages per session, then a new one; 0 = no limit (default 100)");
  blast_cmd->add_option("-s,--size", bo.size, "message size in bytes (default 1024)");
  blast_cmd->add_option("-r,--recipients", bo.recipients, "recipients per message (default 1)")->check(CLI::PositiveNumber);
  blast_cmd->add_option("--rate", bo.rate, "messages per second; 0 = unlimited (default)")->check(CLI::NonNegativeNumber);
  blast_cmd->add_option("--from", bo.mail_from, "sender; {n} is the message number");
  blast_cmd->add_option("--to", bo.rcpt_to, "recipient; {n} message number, {r} recipient number");
  blast_cmd->add_option("--ehlo", bo.ehlo, "EHLO name");
  blast_cmd->add_option("--ids-file", bo.ids_file, "write the queue id of each message answered 250, one a line");
  blast_cmd->add_flag("--no-pipelining", no_pipelining, "do not pipeline even when offered");
  blast_cmd->add_flag("--no-starttls", no_starttls, "do not use STARTTLS even when offered");
  blast_cmd->add_flag("--no-progress", no_progress, "no progress bar");
  double timeout_s = 30;
  blast_cmd->add_option("--timeout", timeout_s, "seconds for connect and each reply (default 30)")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  bo.pipelining = !no_pipelining;
  bo.starttls = !no_starttls;
  bo.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  // Diagnostics go to stderr; stdout carries the machine-readable lines (ports, reports).
  spdlog::set_default_logger(spdlog::stderr_color_mt("fakemx"));
  if (*run_cmd) return run(file, workdir, keep, record);
  if (*serve_cmd) return serve(file, control, access, record);
  if (*blast_cmd) return blast(server, bo, !no_progress);
  return 2;
}
