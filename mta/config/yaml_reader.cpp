// The strict YAML Reader (see yaml_reader.hpp). yaml-cpp does the parsing; every conversion is
// done here on the scalar text so no yaml-cpp conversion exception escapes, and each error
// carries the value's 1-based line (YAML::Mark lines are 0-based).
#include "mta/config/yaml_reader.hpp"
#include "mta/config/yaml_node_text.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>

namespace mxlab::config::yaml {

using detail::kind_of;
using detail::line_of;

namespace {

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Leading decimal digits as a non-negative integer, and what follows them.
std::optional<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s[0] == '-' || s[0] == '+' || ec != std::errc()) return std::nullopt;
  return std::pair{v, s.substr(static_cast<std::size_t>(p - s.data()))};
}

std::optional<std::uint64_t> times(std::uint64_t v, std::uint64_t factor, std::uint64_t limit) {
  if (factor != 0 && v > limit / factor) return std::nullopt;
  return v * factor;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  static const std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  auto num = split_number(s);
  if (!num) return std::nullopt;
  for (const auto& [unit, factor] : kUnits) {
    if (num->second != unit) continue;
    auto ms = times(num->first, factor, std::numeric_limits<std::int64_t>::max());
    if (!ms) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  auto num = split_number(s);
  if (!num) return std::nullopt;
  std::string_view unit = num->second;
  if (unit.ends_with("iB")) unit.remove_suffix(2);
  else if (unit.ends_with("B")) unit.remove_suffix(1);
  std::uint64_t factor = 1;
  if (unit.size() == 1) {
    switch (unit[0]) {
      case 'k': case 'K': factor = 1ull << 10; break;
      case 'm': case 'M': factor = 1ull << 20; break;
      case 'g': case 'G': factor = 1ull << 30; break;
      default: return std::nullopt;
    }
  } else if (!unit.empty() || num->second == "iB") {
    return std::nullopt;
  }
  return times(num->first, factor, std::numeric_limits<std::uint64_t>::max());
}

Reader::Reader(std::shared_ptr<State> state, YAML::Node node, std::string path)
    : state_(std::move(state)), node_(std::move(node)), path_(std::move(path)) {}

std::string Reader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

int Reader::line() const { return line_of(node_); }

void Reader::error_at(int line, std::string key_path, std::string message) {
  if (!state_->error) state_->error = ConfigError{state_->file, line, std::move(key_path), std::move(message)};
}

std::optional<Reader::Entry> Reader::find(std::string_view key) {
  asked_.emplace(key);
  if (!ok() || !node_.IsMap()) return std::nullopt;
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return Entry{it->first, it->second};
  return std::nullopt;
}

bool Reader::has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return true;
  return false;
}

void Reader::require(std::string_view key) {
  asked_.emplace(key);
  if (!has(key)) error_at(line(), key_path(key), "missing required key");
}

void Reader::check(std::string_view key, bool ok, std::string_view message) {
  if (ok) return;
  auto e = find(key);
  error_at(e ? std::max(line_of(e->value), line_of(e->key)) : line(), key_path(key), std::string(message));
}

std::optional<std::string> Reader::scalar(std::string_view key, int* line) {
  auto e = find(key);
  if (!e) return std::nullopt;
  *line = line_of(e->value) ? line_of(e->value) : line_of(e->key);
  if (e->value.IsScalar()) return e->value.Scalar();
  error_at(*line, key_path(key), "expected a single value, got " + kind_of(e->value));
  return std::nullopt;
}

bool Reader::string(std::string_view key, std::string& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (s) out = std::move(*s);
  return s.has_value();
}

bool Reader::boolean(std::string_view key, bool& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (!s) return false;
  std::string v = lower(*s);
  if (v == "true" || v == "false") {
    out = v == "true";
    return true;
  }
  error_at(line, key_path(key), "bad boolean '" + *s + "' (use true or false)");
  return false;
}

bool Reader::integer_in(std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (!s) return false;
  auto v = parse_int(*s);
  if (!v) {
    error_at(line, key_path(key), "bad integer '" + *s + "'");
    return false;
  }
  if (*v >= lo && *v <= hi) {
    out = *v;
    return true;
  }
  // Bounds as large as the type's own are not worth printing.
  constexpr std::int64_t kBig = std::numeric_limits<std::int32_t>::max();
  std::string range = hi >= kBig    ? "at least " + std::to_string(lo)
                      : lo <= -kBig ? "at most " + std::to_string(hi)
                                    : std::to_string(lo) + ".." + std::to_string(hi);
  error_at(line, key_path(key), *s + " is out of range (" + range + ")");
  return false;
}

bool Reader::number(std::string_view key, double& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (!s) return false;
  double v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (s->empty() || ec != std::errc() || p != s->data() + s->size() || !std::isfinite(v)) {
    error_at(line, key_path(key), "bad number '" + *s + "'");
    return false;
  }
  out = v;
  return true;
}

bool Reader::port(std::string_view key, std::uint16_t& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (!s) return false;
  auto v = parse_int(*s);
  if (!v || *v < 0 || *v > 65535) {
    error_at(line, key_path(key), "bad port '" + *s + "' (use 0-65535)");
    return false;
  }
  out = static_cast<std::uint16_t>(*v);
  return true;
}

bool Reader::size(std::string_view key, std::size_t& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (!s) return false;
  auto v = parse_size(*s);
  if (!v || *v > std::numeric_limits<std::size_t>::max()) {
    error_at(line, key_path(key), "bad size '" + *s + "' (use 1000, 10k, 25MB, 1G)");
    return false;
  }
  out = static_cast<std::size_t>(*v);
  return true;
}

bool Reader::duration(std::string_view key, std::chrono::milliseconds& out) {
  int line = 0;
  auto s = scalar(key, &line);
  if (!s) return false;
  auto v = parse_duration(*s);
  if (!v) {
    error_at(line, key_path(key), "bad duration '" + *s + "' (use 500ms, 30s, 20m, 2h, 7d)");
    return false;
  }
  out = *v;
  return true;
}

}  // namespace mxlab::config::yaml
