// LogQuery (see log_query.hpp). The writer emits "timestamp" once per record, as an integer.
#include "mta/log/log_query.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mxlab::log {

std::optional<std::int64_t> record_timestamp(std::string_view line) {
  constexpr std::string_view key = "\"timestamp\":";
  auto at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = line.data() + at + key.size();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(first, line.data() + line.size(), value);
  if (ec != std::errc{} || end == first) return std::nullopt;
  return value;
}

bool contains_nocase(std::string_view haystack, std::string_view needle) {
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), eq) != haystack.end();
}

bool matches(const LogQuery& q, std::string_view line) {
  if (!q.contains.empty() && !contains_nocase(line, q.contains)) return false;
  if (q.since == 0 && q.until == 0) return true;
  auto t = record_timestamp(line);
  if (!t) return false;
  return (q.since == 0 || *t >= q.since) && (q.until == 0 || *t <= q.until);
}

std::string select_lines(std::istream& in, const LogQuery& q) {
  std::string out, line;
  std::size_t n = 0;
  while (n < q.limit && std::getline(in, line)) {
    if (line.empty() || !matches(q, line)) continue;
    out += line;
    out += '\n';
    ++n;
  }
  return out;
}

}  // namespace mxlab::log
