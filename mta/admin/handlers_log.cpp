// The delivery log over HTTP, for tools that follow a message across hosts (kcli trace-message):
// GET /api/admin/log/v1?since=S&until=U&contains=TEXT&limit=N answers the matching JSON record
// lines (application/x-ndjson), oldest first. since/until are unix seconds, inclusive.
#include <charconv>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace {

// A non-negative integer query parameter; false (with `error` set) when it is malformed.
bool read_integer(const Request& r, std::string_view key, std::int64_t& out, std::string& error) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty()) return true;
  const std::string& v = it->second;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || end != v.data() + v.size() || out < 0) {
    error = std::string(key) + " must be a non-negative integer, got '" + v + "'";
    return false;
  }
  return true;
}

void query_log(AdminBackend& b, const Request& req, Reply reply) {
  log::LogQuery q;
  std::int64_t limit = static_cast<std::int64_t>(q.limit);
  std::string error;
  if (!read_integer(req, "since", q.since, error) || !read_integer(req, "until", q.until, error) ||
      !read_integer(req, "limit", limit, error))
    return reply(error_response(400, error));
  q.limit = static_cast<std::size_t>(limit);
  if (auto it = req.query.find("contains"); it != req.query.end()) q.contains = it->second;
  b.query_log(std::move(q), [reply](AdminResult<std::string> lines) {
    if (!lines) return reply(error_response(lines.error().status, lines.error().reason));
    reply(text_response(200, std::move(*lines), "application/x-ndjson"));
  });
}

}  // namespace

void add_log_routes(Router& router, AdminBackend& backend) {
  router.add_async(Method::Get, "/api/admin/log/v1",
                   [&b = backend](const Request& r, Reply reply) { query_log(b, r, std::move(reply)); });
}

}  // namespace mxlab::admin
