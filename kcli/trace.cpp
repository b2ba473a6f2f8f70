// kcli trace-smtp-client and trace-smtp-server (seed 000 and KumoMTA's flags): build the filter
// request from the flags, stream events over the trace WebSocket, print them as a transcript.
// On exit (--only-one's session closed, or Ctrl-C) the server's closing summary goes to stderr.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "kcli/command_util.hpp"
#include "kcli/trace_render.hpp"
#include "kcli/trace_stream.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {

struct TraceArgs {
  std::vector<std::string> source, mx_addr, mx_host, domain, routing_domain, campaign, tenant, egress_pool,
      egress_source, mail_from, rcpt_to, ready_queue;
  std::string color = "tty";
  bool only_new = false, only_one = false, terse = false;
};

void add_list(json::object& o, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  o[key] = std::move(a);
}

void add_view_flags(CLI::App* sub, TraceArgs& a) {
  sub->add_option("--color", a.color, "Whether to colorize the output")
      ->check(CLI::IsMember({"tty", "yes", "no"}))
      ->capture_default_str();
  sub->add_flag("--only-new", a.only_new, "Trace only newly opened sessions; ignore data from previously opened sessions");
  sub->add_flag("--only-one", a.only_one, "Trace the first session that we observe, ignoring all others");
  sub->add_flag("--terse", a.terse,
                "Abbreviate especially the write side of the transaction trace, which is useful when examining high "
                "traffic and/or large message transmission");
}

int run_trace(const KcliContext& ctx, const TraceArgs& a, bool client) {
  json::object request;
  add_list(request, "source_addr", a.source);
  if (client) {
    add_list(request, "mx_addr", a.mx_addr);
    add_list(request, "mx_host", a.mx_host);
    add_list(request, "domain", a.domain);
    add_list(request, "routing_domain", a.routing_domain);
    add_list(request, "campaign", a.campaign);
    add_list(request, "tenant", a.tenant);
    add_list(request, "egress_pool", a.egress_pool);
    add_list(request, "egress_source", a.egress_source);
    add_list(request, "mail_from", a.mail_from);
    add_list(request, "rcpt_to", a.rcpt_to);
    add_list(request, "ready_queue", a.ready_queue);
  }
  request["terse"] = a.terse;
  bool color = a.color == "yes" || (a.color == "tty" && isatty(STDOUT_FILENO));
  TraceRenderer renderer({client, color, a.only_new, a.only_one});
  const char* path = client ? "/api/admin/trace-smtp-client/v1" : "/api/admin/trace-smtp-server/v1";
  return with_client(ctx, [&](const ApiClient& c) {
    auto summary = stream_trace(c, path, request, [&](const json::value& event) {
      std::cout << renderer.render(event) << std::flush;
      return !renderer.finished();
    });
    if (!summary) return fail(summary.error().message);
    std::cerr << "kcli: " << render_trace_summary(*summary) << "\n";
    return 0;
  });
}

}  // namespace

void register_trace_smtp_client(CLI::App& app, KcliContext& ctx) {
  auto a = std::make_shared<TraceArgs>();
  auto* sub = app.add_subcommand("trace-smtp-client", "Trace outgoing sessions made by the SMTP service");
  sub->add_option("--source", a->source, "Source address (CIDR) the connection is made from; repeatable");
  sub->add_option("--mx-addr", a->mx_addr, "MX host address (CIDR); repeatable");
  sub->add_option("--mx-host", a->mx_host, "MX hostname to match; repeatable");
  sub->add_option("--domain", a->domain, "Domain name to match (per message); repeatable");
  sub->add_option("--routing-domain", a->routing_domain, "routing_domain to match (per message); repeatable");
  sub->add_option("--campaign", a->campaign, "Campaign to match (per message); repeatable");
  sub->add_option("--tenant", a->tenant, "Tenant to match (per message); repeatable");
  sub->add_option("--egress-pool", a->egress_pool, "Egress pool to match (known at session start); repeatable");
  sub->add_option("--egress-source", a->egress_source, "Egress source to match (known at session start); repeatable");
  sub->add_option("--mail-from", a->mail_from, "Envelope sender to match (per message); repeatable");
  sub->add_option("--rcpt-to", a->rcpt_to, "Envelope recipient to match (per message); repeatable");
  sub->add_option("--ready-queue", a->ready_queue, "Ready queue name to match (known at session start); repeatable");
  add_view_flags(sub, *a);
  sub->callback([&ctx, a] { ctx.exit_code = run_trace(ctx, *a, true); });
}

void register_trace_smtp_server(CLI::App& app, KcliContext& ctx) {
  auto a = std::make_shared<TraceArgs>();
  auto* sub = app.add_subcommand("trace-smtp-server", "Trace incoming connections made to the SMTP service");
  sub->add_option("--source", a->source, "Client address (CIDR) to match; repeatable");
  add_view_flags(sub, *a);
  sub->callback([&ctx, a] { ctx.exit_code = run_trace(ctx, *a, false); });
}

}  // namespace mxlab::kcli
