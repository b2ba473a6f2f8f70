// mtad: the reference MTA daemon. A thin main: parse flags, load the config, run core::Mta
// until SIGTERM or SIGINT, then drain. Everything else lives in the libraries.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <csignal>
#include <cstdio>
#include <pthread.h>

#include "mta/config/mta_config.hpp"
#include "mta/core/mta.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mtad: the mxlab reference MTA"};
  std::string config_path = "/etc/mxlab/mtad.yaml";
  bool check_only = false;
  app.add_option("-c,--config", config_path, "YAML configuration file")->capture_default_str();
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  CLI11_PARSE(app, argc, argv);
  // Diagnostics go to stderr; stdout carries the machine-readable lines (ports, reports).
  spdlog::set_default_logger(spdlog::stderr_color_mt("mtad"));

  auto config = mxlab::config::load_mta_config_file(config_path);
  if (!config) {
    std::fprintf(stderr, "mtad: %s\n", config.error().str().c_str());
    return 2;
  }
  if (check_only) {
    std::printf("mtad: %s is valid\n", config_path.c_str());
    return 0;
  }

  // Block the stop signals before any thread starts so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  mxlab::core::Mta mta(std::move(*config));
  if (auto st = mta.start(); !st) {
    std::fprintf(stderr, "mtad: start failed: %s\n", st.error.c_str());
    if (mta.smtp_port() == 0) return 1;  // nothing listens; recovery errors alone keep running
  }
  std::printf("mtad: listening smtp=%s:%u admin=%s:%u recovered=%zu\n",
              mta.config().listeners.empty() ? "-" : mta.config().listeners[0].address.c_str(), mta.smtp_port(),
              mta.config().admin.address.c_str(), mta.admin_port(), mta.recovered_messages());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("mtad: signal %d, draining\n", sig);
  std::fflush(stdout);
  mta.stop();
  std::printf("mtad: stopped\n");
  return 0;
}
