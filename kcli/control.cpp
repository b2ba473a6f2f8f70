// smtpctl's control commands over the admin API: pause / resume (smtp | mta), status,
// show-stats (key=value lines), schedule (retry now) and remove. Ids: "all", a message id
// (applies to all its envelopes) or an envelope id.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/command_util.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {
std::string render_status(const json::value& s) {
  auto word = [&](const char* key) { return text_of(s, key).empty() ? std::string("unknown") : text_of(s, key); };
  return "MTA " + word("mta") + "\nSMTP " + word("smtp") + "\n";
}

// smtpctl's forms: "pause smtp|mta|all", "pause envelope ID" (ID: all, a message or envelope
// id), and "pause ID" as a shorthand for the envelope form.
void register_pause_verb(CLI::App& app, KcliContext& ctx, const char* verb, const char* path, const char* help) {
  struct Args {
    std::string target;
    std::string id;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(verb, help);
  sub->add_option("target", a->target, "smtp, mta, all (both), envelope, or a message / envelope id")->required();
  sub->add_option("id", a->id, "with envelope: all, a message id or an envelope id");
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a, path, verb] {
    const bool service = a->target == "smtp" || a->target == "mta" || a->target == "all";
    if (a->target == "envelope" && a->id.empty()) {
      ctx.exit_code = fail(std::string(verb) + " envelope: give all, a message id or an envelope id");
      return;
    }
    if (!a->id.empty() && a->target != "envelope") {
      ctx.exit_code = fail(std::string(verb) + ": an id follows only \"envelope\"");
      return;
    }
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body;
      if (service) body["service"] = a->target;
      else body["id"] = a->target == "envelope" ? a->id : a->target;
      auto reply = c.post_json(path, body);
      if (!reply) return fail(reply.error().message);
      if (a->json) std::cout << json::serialize(*reply) << "\n";
      else if (service) std::cout << render_status(*reply);
      else std::cout << int_of(*reply, std::string(verb) + "d") << " envelope(s) " << verb << "d\n";
      return 0;
    });
  });
}

void register_id_action(CLI::App& app, KcliContext& ctx, const char* verb, const char* path, const char* field,
                        const char* help) {
  struct Args {
    std::string id;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(verb, help);
  sub->add_option("id", a->id, "all, a message id or an envelope id")->required();
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a, path, field] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body{{"id", a->id}};
      auto reply = c.post_json(path, body);
      if (!reply) return fail(reply.error().message);
      if (a->json) std::cout << json::serialize(*reply) << "\n";
      else std::cout << int_of(*reply, field) << " envelope(s) " << field << "\n";
      return 0;
    });
  });
}
}  // namespace

std::string render_show_stats(const json::value& stats) {
  std::string out;
  if (!stats.is_object()) return out;
  std::vector<std::string> keys;
  for (const auto& [k, v] : stats.as_object()) keys.emplace_back(k);
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) out += k + "=" + json::serialize(stats.as_object().at(k)) + "\n";
  return out;
}

void register_control(CLI::App& app, KcliContext& ctx) {
  register_pause_verb(app, ctx, "pause", "/api/admin/pause/v1",
                      "Pause inbound SMTP (smtp), delivery (mta), both (all), or envelopes (envelope ID)");
  register_pause_verb(app, ctx, "resume", "/api/admin/resume/v1",
                      "Resume inbound SMTP (smtp), delivery (mta), both (all), or envelopes (envelope ID)");
  register_id_action(app, ctx, "schedule", "/api/admin/schedule/v1", "scheduled",
                     "Retry now: an envelope, every envelope of a message, or all");
  register_id_action(app, ctx, "remove", "/api/admin/remove/v1", "removed",
                     "Remove without a bounce: an envelope, every envelope of a message, or all");

  auto status_json = std::make_shared<bool>(false);
  auto* status = app.add_subcommand("status", "Show whether inbound SMTP and delivery run or are paused");
  status->add_flag("--json", *status_json, "Print the status as JSON");
  status->callback([&ctx, status_json] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json("/api/admin/status/v1");
      if (!reply) return fail(reply.error().message);
      std::cout << (*status_json ? json::serialize(*reply) + "\n" : render_status(*reply));
      return 0;
    });
  });

  auto stats_json = std::make_shared<bool>(false);
  auto* stats = app.add_subcommand("show-stats", "Show runtime counters as key=value lines (smtpctl show stats)");
  stats->add_flag("--json", *stats_json, "Print the counters as JSON");
  stats->callback([&ctx, stats_json] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json("/api/admin/show-stats/v1");
      if (!reply) return fail(reply.error().message);
      std::cout << (*stats_json ? json::serialize(*reply) + "\n" : render_show_stats(*reply));
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
