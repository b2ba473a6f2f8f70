// fakemx: fake MX and DNS servers for testing senders. `fakemx run FILE` runs a scenario
// (exit 0 when every expectation holds, 1 with a readable diff when not, 2 for a bad file).
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "sim/fake_mx/scenario_runner.hpp"

namespace {

int run(const std::string& file, std::string workdir, bool keep) {
  auto scenario = mxlab::fakemx::load_scenario_file(file);
  if (!scenario) {
    std::fprintf(stderr, "fakemx: %s\n", scenario.error().str().c_str());
    return 2;
  }
  bool temporary = workdir.empty();
  if (temporary) {
    workdir = (std::filesystem::temp_directory_path() / ("fakemx-" + std::to_string(::getpid()))).string();
  }
  std::printf("scenario %s: %s\n", scenario->name.c_str(), scenario->description.c_str());
  auto report = mxlab::fakemx::run_scenario(*scenario, workdir, [](const std::string& line) {
    std::printf("  listening: %s\n", line.c_str());
    std::fflush(stdout);
  });
  std::printf("%s", report.text().c_str());
  if (temporary && !keep) std::filesystem::remove_all(workdir);
  return report.passed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"fakemx: scriptable fake MX and DNS servers"};
  app.require_subcommand(1);
  auto* run_cmd = app.add_subcommand("run", "run a scenario file and check its expectations");
  std::string file, workdir;
  bool keep = false;
  run_cmd->add_option("file", file, "scenario YAML file")->required()->check(CLI::ExistingFile);
  run_cmd->add_option("--workdir", workdir, "directory for the spool (default: a temporary one)");
  run_cmd->add_flag("--keep", keep, "keep the temporary directory");
  CLI11_PARSE(app, argc, argv);
  // Diagnostics go to stderr; stdout carries the machine-readable lines (ports, reports).
  spdlog::set_default_logger(spdlog::stderr_color_mt("fakemx"));
  if (*run_cmd) return run(file, workdir, keep);
  return 2;
}
