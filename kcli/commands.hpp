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
void register_provider_summary(CLI::App& app, KcliContext& ctx);  // queue_summary.cpp
void register_bounce(CLI::App& app, KcliContext& ctx);          // bounce.cpp
void register_bounce_list(CLI::App& app, KcliContext& ctx);
void register_bounce_cancel(CLI::App& app, KcliContext& ctx);
void register_suspend(CLI::App& app, KcliContext& ctx);         // suspend.cpp
void register_suspend_list(CLI::App& app, KcliContext& ctx);
void register_suspend_cancel(CLI::App& app, KcliContext& ctx);
void register_suspend_ready_q(CLI::App& app, KcliContext& ctx);
void register_rebind(CLI::App& app, KcliContext& ctx);  // rebind.cpp  // suspend-ready-q, -list, -cancel
void register_inspect_message(CLI::App& app, KcliContext& ctx);  // inspect.cpp
void register_inspect_sched_q(CLI::App& app, KcliContext& ctx);
void register_show_queue(CLI::App& app, KcliContext& ctx);       // show_queue.cpp
// pause, resume, status, show-stats, schedule, remove (control.cpp)
void register_control(CLI::App& app, KcliContext& ctx);
void register_trace_smtp_client(CLI::App& app, KcliContext& ctx);  // trace.cpp
void register_trace_smtp_server(CLI::App& app, KcliContext& ctx);
void register_trace_message(CLI::App& app, KcliContext& ctx);  // trace_message.cpp
// sessions, clear-stats, session-log (sessions.cpp)
void register_sessions(CLI::App& app, KcliContext& ctx);
void register_qshape(CLI::App& app, KcliContext& ctx);   // qshape.cpp
void register_monitor(CLI::App& app, KcliContext& ctx);  // monitor.cpp
void register_top(CLI::App& app, KcliContext& ctx);      // top, set-log-filter (top.cpp)
// show-hosts, show-routes, inspect-ready-q, abort-ready-q-conn (ready_q.cpp)
void register_ready_q(CLI::App& app, KcliContext& ctx);
void register_resolve_egress_path(CLI::App& app, KcliContext& ctx);  // ready_q.cpp

}  // namespace mxlab::kcli
