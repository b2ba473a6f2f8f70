// Create / list / cancel for admin bounces and suspensions (see rules_commands.hpp).
#include "kcli/rules_commands.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

std::string render_rule_created(const json::value& reply, const RuleFamily& family) {
  std::string out = std::string(family.noun) + " " + text_of(reply, "id");
  if (!family.bounce) return out + "\n";
  out += ": bounced " + std::to_string(int_of(reply, "total_bounced")) + " envelope(s)";
  if (auto n = int_of(reply, "in_flight")) out += ", " + std::to_string(n) + " in flight bounced after their attempt";
  out += "\n";
  if (auto* b = reply.as_object().if_contains("bounced"); b && b->is_object()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [q, n] : b->as_object()) rows.push_back({std::string(q), std::to_string(int_of(b->as_object(), q))});
    if (!rows.empty()) out += tabulate({{"QUEUE"}, {"BOUNCED", Align::Right}}, rows);
  }
  return out;
}

std::string render_rule_list(const json::value& reply, const RuleFamily& family) {
  std::vector<std::vector<std::string>> rows;
  if (reply.is_array()) {
    for (const auto& r : reply.as_array()) {
      std::vector<std::string> row{text_of(r, "id"), text_of(r, "reason"), text_of(r, "duration")};
      if (family.bounce) row.push_back(std::to_string(int_of(r, "total_bounced")));
      row.push_back(criteria_text(r));
      rows.push_back(std::move(row));
    }
  }
  std::vector<Column> cols{{"ID"}, {"REASON"}, {"REMAIN"}};
  if (family.bounce) cols.push_back({"BOUNCED", Align::Right});
  cols.push_back({"CRITERIA"});
  return tabulate(cols, rows);
}

void register_rule_create(CLI::App& app, KcliContext& ctx, const RuleFamily& family, const char* help) {
  struct Args {
    SelectorArgs sel;
    std::string name, reason, duration = "5m";
    bool suppress_logging = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(family.noun, help);
  if (family.ready_queue) sub->add_option("--name", a->name, "The ready queue to suspend")->required();
  else add_selector_flags(*sub, a->sel, family.bounce);
  sub->add_option("--reason", a->reason, "Reason to log in the delivery log")->required();
  sub->add_option("--duration", a->duration, "How long the rule stays active")->capture_default_str();
  if (family.bounce) sub->add_flag("--suppress-logging", a->suppress_logging, "Do not log AdminBounce records");
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a, &family] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body;
      if (family.ready_queue) body["name"] = a->name;
      else if (auto problem = selector_body(a->sel, body)) return fail(*problem);
      body["reason"] = a->reason;
      body["duration"] = a->duration;
      if (a->suppress_logging) body["suppress_logging"] = true;
      auto reply = c.post_json(family.path, body);
      if (!reply) return fail(reply.error().message);
      std::cout << (a->json ? json::serialize(*reply) + "\n" : render_rule_created(*reply, family));
      return 0;
    });
  });
}

void register_rule_list(CLI::App& app, KcliContext& ctx, const RuleFamily& family, const char* help) {
  auto as_json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand(std::string(family.noun) + "-list", help);
  sub->add_flag("--json", *as_json, "Print the list as JSON");
  sub->callback([&ctx, as_json, &family] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json(family.path);
      if (!reply) return fail(reply.error().message);
      std::cout << (*as_json ? json::serialize(*reply) + "\n" : render_rule_list(*reply, family));
      return 0;
    });
  });
}

void register_rule_cancel(CLI::App& app, KcliContext& ctx, const RuleFamily& family, const char* help) {
  auto id = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(std::string(family.noun) + "-cancel", help);
  sub->add_option("--id", *id, "The id of the rule to cancel")->required();
  sub->callback([&ctx, id, &family] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body{{"id", *id}};
      auto reply = c.delete_json(family.path, body);
      if (!reply) return fail(reply.error().message);
      std::cout << "removed " << *id << "\n";
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
