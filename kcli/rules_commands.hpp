// Shared bodies of the bounce and suspend families (create, list, cancel): the two differ in
// path, in --routing-domain and in the bounce counts, so each subcommand file stays a few lines.
#pragma once
#include "kcli/command_util.hpp"

namespace mxlab::kcli {

struct RuleFamily {
  const char* path;   // "/api/admin/bounce/v1"
  const char* noun;   // "bounce"
  bool bounce = false;
  bool ready_queue = false;  // --name READYQ instead of the selector flags
};
inline constexpr RuleFamily kBounce{"/api/admin/bounce/v1", "bounce", true};
inline constexpr RuleFamily kSuspend{"/api/admin/suspend/v1", "suspend", false};
inline constexpr RuleFamily kSuspendReady{"/api/admin/suspend-ready-q/v1", "suspend-ready-q", false, true};

void register_rule_create(CLI::App& app, KcliContext& ctx, const RuleFamily& family, const char* help);
void register_rule_list(CLI::App& app, KcliContext& ctx, const RuleFamily& family, const char* help);
void register_rule_cancel(CLI::App& app, KcliContext& ctx, const RuleFamily& family, const char* help);

// Pure renderers, for tests.
std::string render_rule_created(const boost::json::value& reply, const RuleFamily& family);
std::string render_rule_list(const boost::json::value& reply, const RuleFamily& family);

}  // namespace mxlab::kcli
