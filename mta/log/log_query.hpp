// Selecting delivery log records for a time window (the admin API's log endpoint and the flow
// tracer's file reader): a line is kept when its "timestamp" lies in [since, until] and it
// contains the given text. Works on the JSON lines as written, without a full parse per line.
#pragma once
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace mxlab::log {

struct LogQuery {
  std::int64_t since = 0;  // unix seconds, inclusive; 0 = from the start
  std::int64_t until = 0;  // unix seconds, inclusive; 0 = to the end
  std::string contains{};  // substring every kept line holds, ignoring ASCII case; "" = any
  std::size_t limit = 100000;  // at most this many lines (the newest are dropped)
};

// The "timestamp" of one JSON record line, without parsing the rest; nullopt when it has none.
std::optional<std::int64_t> record_timestamp(std::string_view line);
bool matches(const LogQuery& query, std::string_view line);
// `needle` in `haystack`, ignoring ASCII case (addresses and Message-IDs are searched as typed).
bool contains_nocase(std::string_view haystack, std::string_view needle);
// The matching lines of `in`, each ending in '\n'.
std::string select_lines(std::istream& in, const LogQuery& query);

}  // namespace mxlab::log
