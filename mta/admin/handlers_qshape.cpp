// GET /api/admin/qshape/v1: Postfix qshape's view of the queue, recipient domain x message age.
// Buckets are upper bounds in minutes (5, 10, 20, ... 1280, then "1280+"), doubling as qshape's
// defaults; ?buckets=N sets their number, ?first=M the first bound. Counts are queued envelopes
// (pending, inflight or suspended); rows sorted by total, largest first, then by domain.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {

std::optional<long> number_param(const Request& r, std::string_view key, long fallback, long lo, long hi) {
  auto it = r.query.find(key);
  if (it == r.query.end()) return fallback;
  long n = 0;
  const auto& v = it->second;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi) return std::nullopt;
  return n;
}

bool queued(const std::string& state) {
  return state == "pending" || state == "inflight" || state == "suspended" || state == "paused";
}

Response qshape(AdminBackend& b, const Request& req) {
  auto nbuckets = number_param(req, "buckets", 9, 1, 30);
  auto first = number_param(req, "first", 5, 1, 1000000);
  if (!nbuckets || !first) return error_response(400, "buckets must be 1..30 and first 1..1000000 (minutes)");
  std::vector<long> bounds;
  for (long i = 0, m = *first; i < *nbuckets; ++i, m *= 2) bounds.push_back(m);
  const std::size_t columns = bounds.size() + 1;  // the last one is "older than the last bound"
  std::map<std::string, std::vector<std::uint64_t>> by_domain;
  std::vector<std::uint64_t> total(columns, 0);
  TimePoint now = b.now();
  for (const auto& m : b.messages()) {
    double minutes = std::chrono::duration<double, std::ratio<60>>(now - m.received).count();
    auto col = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), minutes,
                                                         [](long bound, double v) { return bound < v; }) -
                                        bounds.begin());
    for (const auto& e : m.envelopes) {
      if (!queued(e.state)) continue;
      auto at = e.recipient.rfind('@');
      std::string domain = at == std::string::npos ? e.recipient : e.recipient.substr(at + 1);
      auto& row = by_domain.try_emplace(std::move(domain), columns, 0).first->second;
      ++row[col];
      ++total[col];
    }
  }
  auto row_json = [](const std::string& name, const std::vector<std::uint64_t>& counts) {
    json::object o;
    o["domain"] = name;
    std::uint64_t sum = 0;
    json::array c;
    for (auto n : counts) sum += n, c.push_back(n);
    o["total"] = sum;
    o["counts"] = std::move(c);
    return std::make_pair(sum, o);
  };
  std::vector<std::pair<std::uint64_t, json::object>> rows;
  for (const auto& [name, counts] : by_domain) rows.push_back(row_json(name, counts));
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  json::object out;
  json::array jb;
  for (long bound : bounds) jb.push_back(bound);
  out["buckets"] = std::move(jb);
  out["total"] = row_json("TOTAL", total).second;
  json::array jr;
  for (auto& r : rows) jr.push_back(std::move(r.second));
  out["domains"] = std::move(jr);
  return json_response(200, json::serialize(out));
}

}  // namespace

void add_qshape_routes(Router& router, AdminBackend& b) {
  router.add(Method::Get, "/api/admin/qshape/v1", [&b](const Request& r) { return qshape(b, r); });
}

}  // namespace mxlab::admin
