// kcli's subcommand registry: main() builds the CLI11 app with the global --endpoint and calls
// one register_* per subcommand; each lives in its own file, paired with one admin endpoint.
#pragma once
#include <string>

namespace CLI {
class App;
}

namespace mxlab::kcli {

inline constexpr const char* kDefaultEndpoint = "http://127.0.0.1:8000";
inline constexpr const char* kEndpointEnv = "KUMO_KCLI_ENDPOINT";
inline constexpr const char* kTokenEnv = "MXLAB_ADMIN_TOKEN";

// Filled by option parsing; the chosen subcommand's callback sets exit_code.
struct KcliContext {
  std::string endpoint = kDefaultEndpoint;
  std::string token;  // admin.token of the mtad, when it has one
  int exit_code = 0;
};

void register_queue_summary(CLI::App& app, KcliContext& ctx);
void register_bounce(CLI::App& app, KcliContext& ctx);          // bounce.cpp
void register_bounce_list(CLI::App& app, KcliContext& ctx);
void register_bounce_cancel(CLI::App& app, KcliContext& ctx);
void register_suspend(CLI::App& app, KcliContext& ctx);         // suspend.cpp
void register_suspend_list(CLI::App& app, KcliContext& ctx);
void register_suspend_cancel(CLI::App& app, KcliContext& ctx);
void register_inspect_message(CLI::App& app, KcliContext& ctx);  // inspect.cpp
void register_inspect_sched_q(CLI::App& app, KcliContext& ctx);
void register_show_queue(CLI::App& app, KcliContext& ctx);       // show_queue.cpp
// pause, resume, status, show-stats, schedule, remove (control.cpp)
void register_control(CLI::App& app, KcliContext& ctx);
void register_trace_smtp_client(CLI::App& app, KcliContext& ctx);  // trace.cpp
void register_trace_smtp_server(CLI::App& app, KcliContext& ctx);
void register_trace_message(CLI::App& app, KcliContext& ctx);  // trace_message.cpp

}  // namespace mxlab::kcli
