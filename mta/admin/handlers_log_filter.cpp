// KumoMTA's set_diagnostic_log_filter: POST /api/admin/set_diagnostic_log_filter/v1 {filter}
// changes mtad's diagnostic log level at run time; GET answers the current level. A filter is
// comma-separated directives, each a level ("debug") or "target=level" ("mtad=trace"); mtad
// has one logger, so the last directive without a target, or for target "mtad", decides.
// Levels: trace, debug, info, warn, error, critical, off.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {

std::optional<spdlog::level::level_enum> level_of(std::string_view name) {
  static const std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [n, l] : kLevels)
    if (n == name) return l;
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

json::object level_json() {
  auto name = spdlog::level::to_string_view(spdlog::get_level());
  return json::object{{"level", std::string_view(name.data(), name.size())}};
}

// The level a filter sets for mtad, or the reason it is refused.
Expected<spdlog::level::level_enum, std::string> parse_log_filter(std::string_view filter) {
  std::optional<spdlog::level::level_enum> chosen;
  while (!filter.empty()) {
    auto comma = filter.find(',');
    std::string_view d = trim(filter.substr(0, comma));
    filter = comma == std::string_view::npos ? std::string_view{} : filter.substr(comma + 1);
    if (d.empty()) continue;
    std::string_view target, level = d;
    if (auto eq = d.find('='); eq != std::string_view::npos) target = trim(d.substr(0, eq)), level = trim(d.substr(eq + 1));
    auto l = level_of(level);
    if (!l) return unexpected("unknown level '" + std::string(level) + "' (trace, debug, info, warn, error, critical, off)");
    if (target.empty() || target == "mtad" || target.starts_with("mtad::")) chosen = *l;
  }
  if (!chosen) return unexpected(std::string("the filter sets no level for mtad (e.g. \"debug\" or \"mtad=trace\")"));
  return *chosen;
}

}  // namespace

void add_log_filter_routes(Router& router, AdminBackend&) {
  router.add(Method::Post, "/api/admin/set_diagnostic_log_filter/v1", [](const Request& r) {
    auto body = parse_body(r);
    if (!body) return body.error();
    auto filter = string_field(*body, "filter");
    if (!filter) return error_response(400, "filter is required");
    auto level = parse_log_filter(*filter);
    if (!level) return error_response(400, level.error());
    spdlog::set_level(*level);
    spdlog::info("admin: diagnostic log filter set to '{}'", *filter);
    auto o = level_json();
    o["filter"] = *filter;
    return json_response(200, json::serialize(o));
  });
  router.add(Method::Get, "/api/admin/set_diagnostic_log_filter/v1",
             [](const Request&) { return json_response(200, json::serialize(level_json())); });
}

}  // namespace mxlab::admin
