// kcli: the admin client for mtad, command-compatible with KumoMTA's kcli. A thin main: the
// global options and one register_* call per subcommand (see commands.hpp).
#include <CLI/CLI.hpp>

#include "kcli/commands.hpp"

int main(int argc, char** argv) {
  using namespace mxlab::kcli;
  CLI::App app{"kcli: administer a running mtad through its HTTP admin API"};
  KcliContext ctx;
  app.add_option("--endpoint", ctx.endpoint, "URL of the admin HTTP listener")
      ->envname(kEndpointEnv)
      ->capture_default_str();
  app.add_option("--token", ctx.token, "admin API token (mtad's admin.token), sent as a Bearer credential")
      ->envname(kTokenEnv);
  app.require_subcommand(1);

  register_queue_summary(app, ctx);
  register_provider_summary(app, ctx);
  register_bounce(app, ctx);
  register_bounce_list(app, ctx);
  register_bounce_cancel(app, ctx);
  register_suspend(app, ctx);
  register_suspend_list(app, ctx);
  register_suspend_cancel(app, ctx);
  register_suspend_ready_q(app, ctx);
  register_rebind(app, ctx);
  register_inspect_message(app, ctx);
  register_inspect_sched_q(app, ctx);
  register_show_queue(app, ctx);
  register_control(app, ctx);
  register_trace_smtp_client(app, ctx);
  register_trace_smtp_server(app, ctx);
  register_trace_message(app, ctx);
  register_sessions(app, ctx);
  register_qshape(app, ctx);
  register_monitor(app, ctx);
  register_top(app, ctx);
  register_ready_q(app, ctx);
  register_resolve_egress_path(app, ctx);

  CLI11_PARSE(app, argc, argv);
  return ctx.exit_code;
}
