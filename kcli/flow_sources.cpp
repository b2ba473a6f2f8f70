// Log sources and OTLP export for trace-message (see flow_sources.hpp). The admin API filters
// on the server (contains=needle, since/until); files are scanned line by line here.
#include "kcli/flow_sources.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "kcli/api_client.hpp"
#include "kcli/command_util.hpp"
#include "mta/log/log_query.hpp"

namespace mxlab::kcli {

namespace {

bool in_window(const TimeWindow& w, TimePoint t) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return (w.since == 0 || s >= w.since) && (w.until == 0 || s <= w.until);
}

// RFC 3164 lines carry no year: take the window's end (or today) as theirs.
int year_of(const TimeWindow& w) {
  std::time_t t = w.until ? static_cast<std::time_t>(w.until) : std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

Status read_file(const std::string& host, const std::string& path, const std::string& needle, const TimeWindow& w,
                 std::vector<flow::FlowEvent>& out) {
  std::ifstream in(path);
  if (!in) return Status::failure(host + ": cannot read log file " + path);
  const int year = year_of(w);
  for (std::string line; std::getline(in, line);) {
    if (!log::contains_nocase(line, needle)) continue;
    if (auto e = flow::parse_log_line(line, host, year); e && in_window(w, e->time)) out.push_back(std::move(*e));
  }
  return Status::success();
}

Status read_admin(const std::string& host, const std::string& endpoint, const std::string& token,
                  const std::string& needle, const TimeWindow& w, std::vector<flow::FlowEvent>& out) {
  auto client = ApiClient::create(endpoint, std::chrono::seconds(30));
  if (!client) return Status::failure(host + ": " + client.error().message);
  client->set_token(token);
  std::string path = "/api/admin/log/v1?contains=" + encode_query(needle);
  if (w.since) path += "&since=" + std::to_string(w.since);
  if (w.until) path += "&until=" + std::to_string(w.until);
  auto body = client->get(path);
  if (!body) return Status::failure(host + ": " + body.error().message);
  std::istringstream lines(*body);
  for (std::string line; std::getline(lines, line);)
    if (auto e = flow::parse_mtad_record(line, host)) out.push_back(std::move(*e));
  return Status::success();
}

}  // namespace

flow::EventSource make_event_source(const flow::FlowConfig& config, TimeWindow window, std::string token) {
  return [&config, window, token](const std::string& host,
                           const std::string& needle) -> Expected<std::vector<flow::FlowEvent>> {
    auto it = config.sources.find(host);
    if (it == config.sources.end()) return unexpected("no log source for host " + host);
    std::vector<flow::FlowEvent> out;
    for (const auto& file : it->second.logs)
      if (auto st = read_file(host, file, needle, window, out); !st) return unexpected(st.error);
    if (!it->second.admin.empty())
      if (auto st = read_admin(host, it->second.admin, token, needle, window, out); !st) return unexpected(st.error);
    return out;
  };
}

Status post_otlp(const std::string& endpoint, const boost::json::value& body) {
  auto url = boost::urls::parse_uri(endpoint);
  if (!url || url->scheme() != "http") return Status::failure("otlp endpoint must be an http:// URL: " + endpoint);
  std::string path = url->encoded_path().empty() || url->encoded_path() == "/" ? "/v1/traces"
                                                                              : std::string(url->encoded_path());
  std::string base = "http://" + std::string(url->encoded_authority());
  auto client = ApiClient::create(base, std::chrono::seconds(10));
  if (!client) return Status::failure("otlp: " + client.error().message);
  auto reply = client->post_json(path, body);
  if (!reply) return Status::failure("otlp: " + reply.error().message);
  return Status::success();
}

Expected<std::int64_t> parse_time(const std::string& text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc{} && end == text.data() + text.size()) return n;
  std::tm tm{};
  const char* rest = strptime(text.c_str(), text.find('T') != std::string::npos ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
  if (!rest || *rest != '\0')
    return unexpected("bad time '" + text + "': expected unix seconds or \"YYYY-MM-DD HH:MM:SS\" (UTC)");
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace mxlab::kcli
