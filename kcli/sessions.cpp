// kcli sessions [--stats] [--watch S [--count N]], clear-stats and session-log: the live SMTP
// session table (seed 004's "d de smtp"), its per-direction counters since the last clear
// ("d s smtp") and the bounded session event log ("debug res:smtp lsn:3").
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <thread>

#include "kcli/command_util.hpp"
#include "kcli/renderers.hpp"
#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {

double number_of(const json::value& o, std::string_view key) {
  if (!o.is_object()) return 0;
  auto* v = o.as_object().if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  return static_cast<double>(int_of(o, key));
}

std::string two(std::int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

const json::value& member(const json::value& o, std::string_view key) {
  static const json::value empty = json::object{};
  if (!o.is_object()) return empty;
  auto* v = o.as_object().if_contains(key);
  return v ? *v : empty;
}

}  // namespace

std::string format_age(double seconds) {
  auto s = static_cast<std::int64_t>(std::floor(std::max(0.0, seconds)));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + two(s / 60 % 60) + "m";
  return std::to_string(s / 86400) + "d" + two(s / 3600 % 24) + "h";
}

std::string render_sessions(const json::value& rows) {
  std::vector<std::vector<std::string>> out;
  if (rows.is_array()) {
    for (const auto& r : rows.as_array()) {
      std::string dir = text_of(r, "direction");
      for (auto& c : dir) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string message = text_of(r, "message_id");
      auto sender = text_of(r, "sender");
      auto rcpts = int_of(r, "recipients");
      if (!sender.empty() || rcpts > 0) {
        if (!message.empty()) message += ' ';
        message += "<" + sender + "> " + std::to_string(rcpts) + " rcpt";
      }
      std::string tls = text_of(r, "tls");
      out.push_back({std::to_string(int_of(r, "channel")), dir, text_of(r, "state"),
                     format_age(number_of(r, "state_age")), format_age(number_of(r, "age")), text_of(r, "local"),
                     text_of(r, "peer"), tls.empty() ? "-" : tls, std::to_string(int_of(r, "messages")), message});
    }
  }
  return tabulate({{"CH", Align::Right}, {"TYPE"}, {"SMTP-STATE"}, {"IN-STATE", Align::Right}, {"AGE", Align::Right},
                   {"LOCAL"}, {"REMOTE"}, {"TLS"}, {"MSGS", Align::Right}, {"MESSAGE"}},
                  out);
}

std::string render_session_stats(const json::value& stats) {
  const auto& in = member(stats, "inbound");
  const auto& out = member(stats, "outbound");
  std::vector<std::vector<std::string>> rows;
  // Keys in the order of the reply (the server's counter order); a counter one direction does
  // not have shows 0.
  if (in.is_object()) {
    for (const auto& [k, v] : in.as_object()) {
      std::string key(k);
      rows.push_back({key, std::to_string(int_of(in, key)), std::to_string(int_of(out, key))});
    }
  }
  return "Cleared " + format_age(number_of(stats, "cleared_ago")) + " ago, at " + text_of(stats, "cleared_at") +
         "\n" + tabulate({{"COUNTER"}, {"IN", Align::Right}, {"OUT", Align::Right}}, rows);
}

std::string render_session_log(const json::value& events) {
  std::string out;
  if (!events.is_array()) return out;
  for (const auto& e : events.as_array()) {
    std::string dir = text_of(e, "direction") == "in" ? "IN " : "OUT";
    out += text_of(e, "time") + " [" + dir + " " + std::to_string(int_of(e, "channel")) + "] " + text_of(e, "event") +
           "\n";
  }
  return out;
}

void register_sessions(CLI::App& app, KcliContext& ctx) {
  struct Args {
    bool json = false;
    bool stats = false;
    double watch = 0;
    int count = 0;
    std::size_t limit = 0;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("sessions", "List open inbound and outbound SMTP sessions with their state");
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->add_flag("--stats", a->stats, "Show per-direction counters since the last clear-stats instead");
  sub->add_option("--watch", a->watch, "Refresh every SECONDS until interrupted")->check(CLI::PositiveNumber);
  sub->add_option("--count", a->count, "With --watch: stop after N refreshes")->check(CLI::PositiveNumber);
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      const char* path = a->stats ? "/api/admin/session-stats/v1" : "/api/admin/sessions/v1";
      for (int i = 0;; ++i) {
        auto reply = c.get_json(path);
        if (!reply) return fail(reply.error().message);
        if (a->json) std::cout << json::serialize(*reply) << "\n";
        else std::cout << (a->stats ? render_session_stats(*reply) : render_sessions(*reply));
        std::cout.flush();
        if (a->watch <= 0 || (a->count > 0 && i + 1 >= a->count)) return 0;
        std::this_thread::sleep_for(std::chrono::duration<double>(a->watch));
        if (!a->json) std::cout << "\n";
      }
    });
  });

  auto clear_json = std::make_shared<bool>(false);
  auto* clear = app.add_subcommand("clear-stats", "Reset the session counters (prints the counters as they were)");
  clear->add_flag("--json", *clear_json, "Print the reply as JSON");
  clear->callback([&ctx, clear_json] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto reply = c.post_json("/api/admin/clear-stats/v1", json::object{});
      if (!reply) return fail(reply.error().message);
      std::cout << (*clear_json ? json::serialize(*reply) + "\n" : render_session_stats(member(*reply, "before")));
      return 0;
    });
  });

  auto l = std::make_shared<Args>();
  auto* log = app.add_subcommand("session-log", "Show the log of recent session events, oldest first");
  log->add_flag("--json", l->json, "Print the reply as JSON");
  log->add_option("--limit", l->limit, "Only the newest N events (default: all retained)");
  log->callback([&ctx, a = l] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      std::string path = "/api/admin/session-log/v1";
      if (a->limit > 0) path += "?limit=" + std::to_string(a->limit);
      auto reply = c.get_json(path);
      if (!reply) return fail(reply.error().message);
      std::cout << (a->json ? json::serialize(*reply) + "\n" : render_session_log(*reply));
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
