// kcli show-queue: smtpctl's "show queue" from GET /api/admin/show-queue/v1. One row per
// envelope (EVPID, STATE, ATTEMPTS, NEXT seconds to the next try, RECIPIENT, QUEUE, LAST ERROR);
// --json prints one JSON object per message per line, like `postqueue -j`.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/command_util.hpp"
#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

std::string render_show_queue(const json::value& reply) {
  std::vector<std::vector<std::string>> rows;
  if (reply.is_array()) {
    for (const auto& m : reply.as_array()) {
      if (!m.is_object()) continue;
      auto* rcpts = m.as_object().if_contains("recipients");
      if (!rcpts || !rcpts->is_array()) continue;
      for (const auto& r : rcpts->as_array()) {
        auto state = text_of(r, "state");
        bool waiting = state == "pending" || state == "suspended" || state == "paused";
        rows.push_back({text_of(r, "envelope_id"), state, std::to_string(int_of(r, "num_attempts")),
                        waiting ? std::to_string(int_of(r, "next_try_in")) + "s" : "-", text_of(m, "sender"),
                        text_of(r, "address"), text_of(r, "queue"), text_of(r, "delay_reason")});
      }
    }
  }
  return tabulate({{"EVPID"}, {"STATE"}, {"ATTEMPTS", Align::Right}, {"NEXT", Align::Right}, {"SENDER"},
                   {"RECIPIENT"}, {"QUEUE"}, {"LAST ERROR"}},
                  rows);
}

void register_show_queue(CLI::App& app, KcliContext& ctx) {
  auto as_json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("show-queue", "List queued envelopes with state, attempts, next try and last error");
  sub->add_flag("--json", *as_json, "One JSON object per message per line (postqueue -j)");
  sub->callback([&ctx, as_json] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json("/api/admin/show-queue/v1");
      if (!reply) return fail(reply.error().message);
      if (!*as_json) {
        std::cout << render_show_queue(*reply);
        return 0;
      }
      if (reply->is_array())
        for (const auto& m : reply->as_array()) std::cout << json::serialize(m) << "\n";
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
