// kcli top [--update-interval 1s] [--count N]: a live terminal view, redrawn each interval, of
// mtad's status, counters (with per-second rates), open sessions and the largest queues. Reads
// status, show-stats, sessions and qshape; the screen is cleared only when stdout is a terminal.
// Also kcli set-log-filter FILTER (KumoMTA's set_diagnostic_log_filter).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "kcli/command_util.hpp"
#include "kcli/renderers.hpp"
#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {
// "1s", "500ms", "2.5" (seconds): KumoMTA's --update-interval spellings that matter here.
std::optional<double> interval_seconds(const std::string& text) {
  try {
    std::size_t used = 0;
    double v = std::stod(text, &used);
    std::string unit = text.substr(used);
    if (unit == "ms") v /= 1000;
    else if (unit == "m") v *= 60;
    else if (!unit.empty() && unit != "s") return std::nullopt;
    return v > 0 ? std::optional<double>(v) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string rate(std::int64_t delta, double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f/s", seconds > 0 ? static_cast<double>(delta) / seconds : 0.0);
  return buf;
}
}  // namespace

std::string render_top(const json::value& status, const json::value& prev, const json::value& stats,
                       double seconds, const json::value& sessions, const json::value& qshape) {
  std::string out = "mtad: smtp " + text_of(status, "smtp") + ", mta " + text_of(status, "mta") + ", up " +
                    format_age(static_cast<double>(int_of(status, "uptime"))) + "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const char* key : {"scheduler.envelope.incoming", "scheduler.delivery.ok", "scheduler.delivery.tempfail",
                          "scheduler.delivery.permfail", "scheduler.envelope.expired",
                          "scheduler.envelope.bounced.admin"}) {
    auto now = int_of(stats, key);
    rows.push_back({key, std::to_string(now), prev.is_object() && !prev.as_object().empty()
                                                  ? rate(now - int_of(prev, key), seconds)
                                                  : "-"});
  }
  rows.push_back({"scheduler.envelope (queued)", std::to_string(int_of(stats, "scheduler.envelope")), ""});
  rows.push_back({"scheduler.envelope.inflight", std::to_string(int_of(stats, "scheduler.envelope.inflight")), ""});
  rows.push_back({"smtp.session (open inbound)", std::to_string(int_of(stats, "smtp.session")), ""});
  out += tabulate({{"COUNTER"}, {"VALUE", Align::Right}, {"RATE", Align::Right}}, rows);
  std::size_t in = 0, outbound = 0;
  if (sessions.is_array())
    for (const auto& s : sessions.as_array()) (text_of(s, "direction") == "in" ? in : outbound)++;
  out += "\nSESSIONS " + std::to_string(in) + " in, " + std::to_string(outbound) + " out\n";
  out += render_sessions(sessions);
  out += "\nQUEUES (queued envelopes by domain and age, minutes)\n" + render_qshape(qshape, 10);
  return out;
}

void register_top(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::string interval = "1s";
    int count = 0;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("top", "A live view of counters, rates, sessions and queues");
  sub->add_option("--update-interval", a->interval, "Refresh interval (1s, 500ms)")->capture_default_str();
  sub->add_option("--count", a->count, "Stop after N screens")->check(CLI::PositiveNumber);
  sub->callback([&ctx, a] {
    auto seconds = interval_seconds(a->interval);
    if (!seconds) {
      ctx.exit_code = fail("--update-interval: '" + a->interval + "' is not a duration such as 1s or 500ms");
      return;
    }
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      const bool tty = isatty(STDOUT_FILENO);
      json::value prev = json::object{};
      for (int i = 0;; ++i) {
        auto status = c.get_json("/api/admin/status/v1");
        if (!status) return fail(status.error().message);
        auto stats = c.get_json("/api/admin/show-stats/v1");
        if (!stats) return fail(stats.error().message);
        auto sessions = c.get_json("/api/admin/sessions/v1");
        if (!sessions) return fail(sessions.error().message);
        auto qshape = c.get_json("/api/admin/qshape/v1");
        if (!qshape) return fail(qshape.error().message);
        if (tty) std::cout << "\x1b[H\x1b[2J";
        else if (i > 0) std::cout << "\n";
        std::cout << render_top(*status, prev, *stats, *seconds, *sessions, *qshape) << std::flush;
        prev = std::move(*stats);
        if (a->count > 0 && i + 1 >= a->count) return 0;
        std::this_thread::sleep_for(std::chrono::duration<double>(*seconds));
      }
    });
  });

  auto filter = std::make_shared<std::string>();
  auto* log = app.add_subcommand("set-log-filter", "Change mtad's diagnostic log level (e.g. debug, mtad=trace)");
  log->add_option("filter", *filter, "Comma-separated directives: LEVEL or mtad=LEVEL")->required();
  log->callback([&ctx, filter] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::object body{{"filter", *filter}};
      auto reply = c.post_json("/api/admin/set_diagnostic_log_filter/v1", body);
      if (!reply) return fail(reply.error().message);
      std::cout << "log level " << text_of(*reply, "level") << "\n";
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
