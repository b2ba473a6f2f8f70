// kcli suspend / suspend-list / suspend-cancel: POST, GET and DELETE /api/admin/suspend/v1.
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

}  // namespace mxlab::kcli
