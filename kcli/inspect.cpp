// kcli inspect-message <ID> [--want-body] and inspect-sched-q <QUEUE> [--want-body] [--limit N]
// [--no-limit]: GET /api/admin/inspect-message/v1 and /api/admin/inspect-sched-q/v1. A readable
// summary by default (message, then one line per envelope); --json prints the reply.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/command_util.hpp"
#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

std::string render_message(const json::value& reply) {
  const json::value empty = json::object{};
  const json::value* msg = reply.is_object() ? reply.as_object().if_contains("message") : nullptr;
  const json::value& m = msg ? *msg : empty;
  std::string out = "id: " + text_of(reply, "id") + "\nsender: <" + text_of(m, "sender") + ">\nreceived: " +
                    text_of(m, "received") + "\nsize: " + std::to_string(int_of(m, "size")) + "\n";
  if (m.is_object()) {
    if (auto* meta = m.as_object().if_contains("meta"); meta && meta->is_object()) {
      for (const auto& [k, v] : meta->as_object())
        out += "meta." + std::string(k) + ": " + (v.is_string() ? std::string(v.as_string()) : json::serialize(v)) + "\n";
    }
  }
  std::vector<std::vector<std::string>> rows;
  if (m.is_object()) {
    if (auto* envs = m.as_object().if_contains("envelopes"); envs && envs->is_array()) {
      for (const auto& e : envs->as_array()) {
        rows.push_back({text_of(e, "envelope_id"), text_of(e, "recipient"), text_of(e, "state"),
                        std::to_string(int_of(e, "num_attempts")), text_of(e, "due"), text_of(e, "last_error")});
      }
    }
  }
  out += tabulate({{"EVPID"}, {"RECIPIENT"}, {"STATE"}, {"ATTEMPTS", Align::Right}, {"DUE"}, {"LAST ERROR"}}, rows);
  auto data = text_of(m, "data");
  if (!data.empty()) out += "\n" + data;
  return out;
}

void register_inspect_message(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::string id;
    bool want_body = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("inspect-message", "Show a queued message: envelope, metadata and optionally its body");
  sub->add_option("id", a->id, "Message id (8 hex digits) or envelope id (16 hex digits)")->required();
  sub->add_flag("--want-body", a->want_body, "Include the message data");
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      std::string path = "/api/admin/inspect-message/v1?id=" + encode_query(a->id) +
                         (a->want_body ? "&want_body=true" : "");
      auto reply = c.get_json(path);
      if (!reply) return fail(reply.error().message);
      std::cout << (a->json ? json::serialize(*reply) + "\n" : render_message(*reply));
      return 0;
    });
  });
}

void register_inspect_sched_q(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::string queue;
    std::size_t limit = 5;
    bool want_body = false, no_limit = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("inspect-sched-q", "Show the messages of a scheduled queue");
  sub->add_option("queue", a->queue, "Scheduled queue name, e.g. campaign:tenant@example.com")->required();
  sub->add_flag("--want-body", a->want_body, "Include the message data");
  auto* limit = sub->add_option("--limit", a->limit, "Show at most N messages")->capture_default_str();
  sub->add_flag("--no-limit", a->no_limit, "Show every message")->excludes(limit);
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      std::string path = "/api/admin/inspect-sched-q/v1?queue_name=" + encode_query(a->queue) +
                         "&limit=" + std::to_string(a->limit) + (a->no_limit ? "&no_limit=true" : "") +
                         (a->want_body ? "&want_body=true" : "");
      auto reply = c.get_json(path);
      if (!reply) return fail(reply.error().message);
      if (a->json) {
        std::cout << json::serialize(*reply) << "\n";
        return 0;
      }
      std::cout << "queue " << text_of(*reply, "queue_name") << ": " << int_of(*reply, "num_scheduled")
                << " message(s)\n";
      if (auto* msgs = reply->as_object().if_contains("messages"); msgs && msgs->is_array()) {
        for (const auto& m : msgs->as_array()) std::cout << "\n" << render_message(m);
      }
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
