// kcli trace-message: follow one message across hosts (seed 003's mailtrace, for mtad and
// Postfix fleets). Reads each host's log from files or mtad's admin API, prints the path as text,
// Graphviz DOT or JSON, and optionally exports it as OTLP traces; --follow repeats every
// --interval seconds, extending the same trace (ids are hashes, see mta/flow/flow_otlp.hpp).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "kcli/command_util.hpp"
#include "kcli/flow_sources.hpp"
#include "mta/config/yaml_reader.hpp"
#include "mta/flow/flow_otlp.hpp"
#include "mta/flow/flow_render.hpp"

namespace mxlab::kcli {

namespace {

struct TraceArgs {
  std::string config_path, host, keyword, since, until, time, time_range, format, output, otlp;
  std::string token;  // the global --token, for admin API sources
  std::vector<std::string> sources;  // NAME=FILE or NAME=http://admin
  bool follow = false;
  int interval = 60;
  int iterations = 0;  // with --follow: 0 = until interrupted
};

// The fleet: the config file, plus --source NAME=LOCATION entries (a host per name).
Expected<flow::FlowConfig> load_fleet(const TraceArgs& a) {
  flow::FlowConfig c;
  if (!a.config_path.empty()) {
    auto loaded = flow::load_flow_config_file(a.config_path);
    if (!loaded) return unexpected(loaded.error().str());
    c = std::move(*loaded);
  }
  for (const auto& s : a.sources) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      return unexpected("--source expects NAME=FILE or NAME=http://host:port, got '" + s + "'");
    std::string name = s.substr(0, eq), where = s.substr(eq + 1);
    if (!c.sources.count(name)) c.fleet.hosts.push_back({name, {}});
    auto& src = c.sources[name];
    if (where.starts_with("http://")) src.admin = where;
    else src.logs.push_back(where);
  }
  if (c.fleet.hosts.empty()) return unexpected("no hosts: give --config FILE or --source NAME=LOCATION");
  return c;
}

Expected<TimeWindow> window_of(const TraceArgs& a) {
  TimeWindow w;
  if (!a.time.empty()) {
    auto center = parse_time(a.time);
    if (!center) return unexpected(center.error());
    auto range = config::yaml::parse_duration(a.time_range.empty() ? "1h" : a.time_range);
    if (!range) return unexpected("bad --time-range '" + a.time_range + "': expected e.g. 90s, 30m, 10h, 2d");
    auto r = std::chrono::duration_cast<std::chrono::seconds>(*range).count();
    w = {std::max<std::int64_t>(1, *center - r), *center + r};
  }
  for (auto [text, field] : {std::pair{&a.since, &w.since}, std::pair{&a.until, &w.until}}) {
    if (text->empty()) continue;
    auto t = parse_time(*text);
    if (!t) return unexpected(t.error());
    *field = *t;
  }
  return w;
}

// --format wins; otherwise the -o file's extension (.dot, .json), else text.
std::string format_of(const TraceArgs& a) {
  if (!a.format.empty()) return a.format;
  if (a.output.ends_with(".dot") || a.output.ends_with(".gv")) return "dot";
  if (a.output.ends_with(".json")) return "json";
  return "text";
}

std::string render(const std::vector<flow::Flow>& flows, const std::string& format) {
  if (format == "dot") return flow::render_dot(flows);
  if (format == "json") return boost::json::serialize(flow::render_json(flows)) + "\n";
  return flow::render_text(flows);
}

int write_output(const TraceArgs& a, const std::string& text) {
  if (a.output.empty() || a.output == "-") {
    std::cout << text << std::flush;
    return 0;
  }
  std::ofstream out(a.output, std::ios::trunc);
  if (!out || !(out << text)) return fail("cannot write " + a.output);
  return 0;
}

// One cycle: trace, print, export. 0 = found, 1 = nothing found or a failure.
int run_once(const TraceArgs& a, const flow::FlowConfig& fleet, TimeWindow w) {
  auto source = make_event_source(fleet, w, a.token);
  auto flows = flow::trace(fleet.fleet, {a.host, a.keyword}, source);
  if (!flows) return fail(flows.error());
  if (int rc = write_output(a, render(*flows, format_of(a)))) return rc;
  const std::string endpoint = a.otlp.empty() ? fleet.otlp_endpoint : a.otlp;
  if (!endpoint.empty() && !flows->empty()) {
    if (auto st = post_otlp(endpoint, flow::to_otlp(*flows)); !st) return fail(st.error);
  }
  if (flows->empty()) return fail("no message matching '" + a.keyword + "' in the logs of " + a.host);
  return 0;
}

int run(const TraceArgs& a) {
  auto fleet = load_fleet(a);
  if (!fleet) return fail(fleet.error());
  auto window = window_of(a);
  if (!window) return fail(window.error());
  if (a.format.size() && a.format != "text" && a.format != "dot" && a.format != "json")
    return fail("--format must be text, dot or json");
  if (!a.follow) return run_once(a, *fleet, *window);
  int rc = 1;
  for (int i = 0; a.iterations == 0 || i < a.iterations; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(a.interval));
    rc = run_once(a, *fleet, *window);  // each cycle re-reads every log: new hops join the trace
  }
  return rc;
}

}  // namespace

void register_trace_message(CLI::App& app, KcliContext& ctx) {
  auto a = std::make_shared<TraceArgs>();
  auto* sub = app.add_subcommand("trace-message",
                                 "Follow a message across hosts through their logs (relay + queued as), print its "
                                 "path as text, Graphviz DOT or JSON, and export OpenTelemetry traces");
  sub->add_option("-c,--config", a->config_path, "Fleet file: hosts, their addresses and log sources, clusters, otlp");
  sub->add_option("--source", a->sources, "Extra host log source NAME=FILE or NAME=http://admin:port (repeatable)");
  sub->add_option("-H,--host", a->host, "Host or cluster where the search starts")->required();
  sub->add_option("-k,--keyword", a->keyword, "Sender, recipient, Message-ID or queue id")->required();
  sub->add_option("--since", a->since, "Window start: unix seconds or \"YYYY-MM-DD HH:MM:SS\" (UTC)");
  sub->add_option("--until", a->until, "Window end, same forms");
  sub->add_option("--time", a->time, "Window centre, same forms (with --time-range)");
  sub->add_option("--time-range", a->time_range, "Half-width of the window around --time (default 1h)");
  sub->add_option("--format", a->format, "text, dot or json (default: from -o's extension, else text)");
  sub->add_option("-o,--output", a->output, "Write to this file instead of stdout ('-' = stdout)");
  sub->add_option("--otlp", a->otlp, "OTLP/HTTP collector URL, e.g. http://127.0.0.1:4318/v1/traces");
  sub->add_flag("--follow", a->follow, "Repeat every --interval seconds, extending the same traces");
  sub->add_option("--interval", a->interval, "Seconds between --follow cycles")->capture_default_str()->check(
      CLI::PositiveNumber);
  sub->add_option("--iterations", a->iterations, "Stop --follow after this many cycles (0 = never)")
      ->capture_default_str();
  sub->callback([&ctx, a] {
    a->token = ctx.token;
    ctx.exit_code = run(*a);
  });
}

}  // namespace mxlab::kcli
