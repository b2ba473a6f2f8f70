// kcli bounce / bounce-list / bounce-cancel: POST, GET and DELETE /api/admin/bounce/v1.
#include "kcli/rules_commands.hpp"

namespace mxlab::kcli {

void register_bounce(CLI::App& app, KcliContext& ctx) {
  register_rule_create(app, ctx, kBounce,
                       "Bounce queued messages matching the criteria now, and new ones while the bounce is active");
}
void register_bounce_list(CLI::App& app, KcliContext& ctx) {
  register_rule_list(app, ctx, kBounce, "List the active admin bounces");
}
void register_bounce_cancel(CLI::App& app, KcliContext& ctx) {
  register_rule_cancel(app, ctx, kBounce, "Cancel an admin bounce");
}

}  // namespace mxlab::kcli
