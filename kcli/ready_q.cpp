// Outbound connection views: smtpctl's show-hosts (per MX address) and show-routes (per source
// and MX address), KumoMTA's inspect-ready-q <QUEUE> (the connections of one ready queue with
// their phase), abort-ready-q-conn <QUEUE> <SESSION_ID> and resolve-egress-path <DOMAIN>.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/command_util.hpp"
#include "kcli/renderers.hpp"
#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {
std::string or_dash(std::string s) { return s.empty() ? "-" : s; }

void register_json_view(CLI::App& app, KcliContext& ctx, const char* verb, const char* path, const char* help,
                        std::string (*render)(const json::value&)) {
  auto as_json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand(verb, help);
  sub->add_flag("--json", *as_json, "Print the reply as JSON");
  sub->callback([&ctx, as_json, path, render] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json(path);
      if (!reply) return fail(reply.error().message);
      std::cout << (*as_json ? json::serialize(*reply) + "\n" : render(*reply));
      return 0;
    });
  });
}
}  // namespace

std::string render_routes(const json::value& routes, bool with_source) {
  std::vector<std::vector<std::string>> rows;
  if (routes.is_array()) {
    for (const auto& r : routes.as_array()) {
      std::vector<std::string> row;
      if (with_source) row.push_back(or_dash(text_of(r, "source")));
      for (auto cell : {text_of(r, "address"), or_dash(text_of(r, "name")), std::to_string(int_of(r, "nconn")),
                        std::to_string(int_of(r, "connections")), std::to_string(int_of(r, "errors")),
                        or_dash(text_of(r, "last_connect")), text_of(r, "last_error")})
        row.push_back(std::move(cell));
      rows.push_back(std::move(row));
    }
  }
  std::vector<Column> columns;
  if (with_source) columns.push_back({"SOURCE"});
  for (Column c : std::initializer_list<Column>{{"ADDRESS"}, {"NAME"}, {"NCONN", Align::Right}, {"CONNS", Align::Right},
                                                {"ERRORS", Align::Right}, {"LAST CONNECT"}, {"LAST ERROR"}})
    columns.push_back(std::move(c));
  return tabulate(columns, rows);
}

std::string render_ready_queue(const json::value& reply) {
  std::string out = "queue: " + text_of(reply, "queue_name") + "\nsite: " + text_of(reply, "site") +
                    "\negress_source: " + text_of(reply, "egress_source") + "\n";
  std::vector<std::vector<std::string>> rows;
  if (reply.is_object()) {
    if (auto* cs = reply.as_object().if_contains("connections"); cs && cs->is_array()) {
      for (const auto& c : cs->as_array()) {
        rows.push_back({text_of(c, "session_id"), text_of(c, "phase"), text_of(c, "state"), text_of(c, "mx_host"),
                        text_of(c, "peer"), or_dash(text_of(c, "message_id"))});
      }
    }
  }
  out += "connections: " + std::to_string(rows.size()) + "\n";
  return out + tabulate({{"SESSION"}, {"PHASE"}, {"SMTP-STATE"}, {"MX"}, {"ADDRESS"}, {"MESSAGE"}}, rows);
}

void register_ready_q(CLI::App& app, KcliContext& ctx) {
  register_json_view(app, ctx, "show-hosts", "/api/admin/show-hosts/v1",
                     "Outbound connections per MX address (smtpctl show hosts)",
                     [](const json::value& v) { return render_routes(v, false); });
  register_json_view(app, ctx, "show-routes", "/api/admin/show-routes/v1",
                     "Outbound connections per source and MX address (smtpctl show routes)",
                     [](const json::value& v) { return render_routes(v, true); });

  struct Args {
    std::string queue, session;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* inspect = app.add_subcommand("inspect-ready-q", "Show the open connections of a ready queue and their phase");
  inspect->add_option("queue", a->queue, "Ready queue name (source->site@smtp_client)")->required();
  inspect->add_flag("--json", a->json, "Print the reply as JSON");
  inspect->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json("/api/admin/inspect-ready-q/v1?queue_name=" + encode_query(a->queue));
      if (!reply) return fail(reply.error().message);
      std::cout << (a->json ? json::serialize(*reply) + "\n" : render_ready_queue(*reply));
      return 0;
    });
  });

  auto b = std::make_shared<Args>();
  auto* abort = app.add_subcommand("abort-ready-q-conn", "Abort one connection of a ready queue (its mail is deferred)");
  abort->add_option("queue", b->queue, "Ready queue name")->required();
  abort->add_option("session_id", b->session, "The connection's SESSION (see inspect-ready-q)")->required();
  abort->callback([&ctx, b] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body{{"queue_name", b->queue}, {"session_id", b->session}};
      auto reply = c.post_json("/api/admin/abort-ready-q-conn/v1", body);
      if (!reply) return fail(reply.error().message);
      std::cout << "aborted session " << b->session << " of " << b->queue << "\n";
      return 0;
    });
  });
}

std::string render_egress_path(const json::value& reply) {
  std::string out = "domain: " + text_of(reply, "domain") + "\nsite: " + text_of(reply, "site") +
                    "\nready queue: " + text_of(reply, "ready_queue_name") + "\n";
  auto failure = text_of(reply, "failure");
  if (!failure.empty()) out += "failure: " + failure + "\n";
  std::vector<std::vector<std::string>> rows;
  if (reply.is_object()) {
    if (auto* hosts = reply.as_object().if_contains("hosts"); hosts && hosts->is_array()) {
      for (const auto& h : hosts->as_array()) {
        std::string addresses;
        if (auto* a = h.as_object().if_contains("addresses"); a && a->is_array())
          for (const auto& v : a->as_array()) addresses += (addresses.empty() ? "" : " ") + std::string(v.as_string());
        rows.push_back({std::to_string(int_of(h, "preference")), text_of(h, "host"), addresses});
      }
    }
  }
  return out + tabulate({{"PREF", Align::Right}, {"MX"}, {"ADDRESSES"}}, rows);
}

void register_resolve_egress_path(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::string domain;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("resolve-egress-path", "Show the MX plan, site and ready queue mail for DOMAIN takes");
  sub->add_option("domain", a->domain, "The recipient domain")->required();
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.get_json("/api/admin/resolve-egress-path/v1?domain=" + encode_query(a->domain));
      if (!reply) return fail(reply.error().message);
      std::cout << (a->json ? json::serialize(*reply) + "\n" : render_egress_path(*reply));
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
