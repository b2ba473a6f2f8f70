// kcli monitor [--interval S] [--count N]: smtpctl's monitor over GET /api/admin/show-stats/v1.
// One row per interval; "curr" columns are absolute, the rest are deltas since the previous row
// (the first row counts since mtad started). The header repeats every 25 rows.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "kcli/command_util.hpp"
#include "kcli/renderers.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {
std::int64_t delta(const json::value& prev, const json::value& cur, std::string_view key) {
  return std::max<std::int64_t>(0, int_of(cur, key) - int_of(prev, key));
}

// Envelopes that left the queue: delivered, bounced (by a 5xx or an operator), expired, removed.
std::int64_t dequeued(const json::value& s) {
  return int_of(s, "scheduler.delivery.ok") + int_of(s, "scheduler.delivery.permfail") +
         int_of(s, "scheduler.envelope.expired") + int_of(s, "scheduler.envelope.removed") +
         int_of(s, "scheduler.envelope.bounced.admin");
}
}  // namespace

std::string render_monitor_header() {
  return "--- client ---  -- envelope --   ---- relay/delivery --- ------- misc -------\n"
         "curr conn disc  curr  enq  deq   ok tmpfail prmfail loop expire remove bounce\n";
}

std::string render_monitor_row(const json::value& prev, const json::value& cur) {
  auto curr = int_of(cur, "smtp.session");
  auto conn = delta(prev, cur, "smtp.session.total");
  auto disc = std::max<std::int64_t>(0, conn - (curr - int_of(prev, "smtp.session")));
  char line[160];
  std::snprintf(line, sizeof line, "%4lld %4lld %4lld  %4lld %4lld %4lld %4lld %7lld %7lld %4lld %6lld %6lld %6lld\n",
                static_cast<long long>(curr), static_cast<long long>(conn), static_cast<long long>(disc),
                static_cast<long long>(int_of(cur, "scheduler.envelope")),
                static_cast<long long>(delta(prev, cur, "scheduler.envelope.incoming")),
                static_cast<long long>(std::max<std::int64_t>(0, dequeued(cur) - dequeued(prev))),
                static_cast<long long>(delta(prev, cur, "scheduler.delivery.ok")),
                static_cast<long long>(delta(prev, cur, "scheduler.delivery.tempfail")),
                static_cast<long long>(delta(prev, cur, "scheduler.delivery.permfail")), 0LL,
                static_cast<long long>(delta(prev, cur, "scheduler.envelope.expired")),
                static_cast<long long>(delta(prev, cur, "scheduler.envelope.removed")),
                static_cast<long long>(delta(prev, cur, "scheduler.envelope.bounced.admin")));
  return line;
}

void register_monitor(CLI::App& app, KcliContext& ctx) {
  struct Args {
    double interval = 1;
    int count = 0;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("monitor", "Print counter deltas once per interval (smtpctl monitor)");
  sub->add_option("--interval", a->interval, "Seconds between rows")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--count", a->count, "Stop after N rows (default: run until interrupted)")
      ->check(CLI::PositiveNumber);
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      json::value prev = json::object{};
      for (int row = 0;; ++row) {
        auto cur = c.get_json("/api/admin/show-stats/v1");
        if (!cur) return fail(cur.error().message);
        if (row % 25 == 0) std::cout << render_monitor_header();
        std::cout << render_monitor_row(prev, *cur) << std::flush;
        prev = std::move(*cur);
        if (a->count > 0 && row + 1 >= a->count) return 0;
        std::this_thread::sleep_for(std::chrono::duration<double>(a->interval));
      }
    });
  });
}

}  // namespace mxlab::kcli
