// kcli rebind: POST /api/admin/rebind/v1 (KumoMTA's flags). Matching messages get the --set
// key/values merged into their metadata; a changed queue part moves them to another scheduled
// queue and makes them due now (--always-flush: every matched message is due now).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/command_util.hpp"
#include "kcli/commands.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

void register_rebind(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::string domain, routing_domain, campaign, tenant, reason, data;
    std::vector<std::string> set;
    bool everything = false, always_flush = false, suppress_logging = false, trigger_rebind_event = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("rebind", "Move queued messages to other scheduled queues by changing their metadata");
  std::vector<CLI::Option*> fields{
      sub->add_option("--domain", a->domain, "The domain name to match"),
      sub->add_option("--routing-domain", a->routing_domain, "The routing domain to match"),
      sub->add_option("--campaign", a->campaign, "The campaign name to match"),
      sub->add_option("--tenant", a->tenant, "The tenant name to match")};
  auto* e = sub->add_flag("--everything", a->everything, "Match every queued message");
  for (auto* f : fields) e->excludes(f);
  sub->add_option("--reason", a->reason, "Reason to log in the delivery log")->required();
  sub->add_option("--data", a->data, "A JSON object of string keys and values to merge into the metadata");
  sub->add_option("--set", a->set, "KEY=VALUE to merge into the metadata (repeatable; after --data)");
  sub->add_flag("--always-flush", a->always_flush, "Make every matched message due now, moved or not");
  sub->add_flag("--suppress-logging", a->suppress_logging, "Do not log AdminRebind records");
  sub->add_flag("--trigger-rebind-event", a->trigger_rebind_event, "Not supported by mtad (no rebind_message event)");
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body;
      for (auto [key, value] : {std::pair{"domain", &a->domain}, {"routing_domain", &a->routing_domain},
                                {"campaign", &a->campaign}, {"tenant", &a->tenant}})
        if (!value->empty()) body[key] = *value;
      if (body.empty() && !a->everything)
        return fail("no selector: give --domain, --routing-domain, --campaign, --tenant or --everything");
      json::object data;
      if (!a->data.empty()) {
        boost::system::error_code ec;
        auto parsed = json::parse(a->data, ec);
        if (ec || !parsed.is_object()) return fail("--data must be a JSON object, e.g. '{\"routing_domain\":\"x.test\"}'");
        data = parsed.as_object();
      }
      for (const auto& kv : a->set) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) return fail("--set wants KEY=VALUE, got '" + kv + "'");
        data[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      body["reason"] = a->reason;
      body["data"] = std::move(data);
      if (a->always_flush) body["always_flush"] = true;
      if (a->suppress_logging) body["suppress_logging"] = true;
      if (a->trigger_rebind_event) body["trigger_rebind_event"] = true;
      auto reply = c.post_json("/api/admin/rebind/v1", body);
      if (!reply) return fail(reply.error().message);
      if (a->json) {
        std::cout << json::serialize(*reply) << "\n";
      } else {
        std::cout << "rebind: " << int_of(*reply, "matched") << " message(s) matched, " << int_of(*reply, "moved")
                  << " moved to another queue, " << int_of(*reply, "flushed") << " envelope(s) due now\n";
      }
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
