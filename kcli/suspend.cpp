// kcli suspend / suspend-list / suspend-cancel: POST, GET and DELETE /api/admin/suspend/v1;
// suspend-ready-q (--name READYQ) / -list / -cancel over /api/admin/suspend-ready-q/v1.
// Suspended mail stays queued and is not attempted; cancel releases it at once.
#include "kcli/rules_commands.hpp"

namespace mxlab::kcli {

void register_suspend(CLI::App& app, KcliContext& ctx) {
  register_rule_create(app, ctx, kSuspend, "Suspend delivery of queued messages matching the criteria");
}
void register_suspend_list(CLI::App& app, KcliContext& ctx) {
  register_rule_list(app, ctx, kSuspend, "List the active suspensions");
}
void register_suspend_cancel(CLI::App& app, KcliContext& ctx) {
  register_rule_cancel(app, ctx, kSuspend, "Cancel a suspension and release its mail");
}

void register_suspend_ready_q(CLI::App& app, KcliContext& ctx) {
  register_rule_create(app, ctx, kSuspendReady, "Suspend delivery through a ready queue (source->site@smtp_client)");
  register_rule_list(app, ctx, kSuspendReady, "List the active ready-queue suspensions");
  register_rule_cancel(app, ctx, kSuspendReady, "Cancel a ready-queue suspension and release its mail");
}

}  // namespace mxlab::kcli
