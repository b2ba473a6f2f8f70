// Strict YAML loading shared by every mxlab config file (mtad, scenarios, fakemx): a Reader walks
// one mapping, fetches typed values, and reports keys nobody asked for as "unknown key". Every
// problem becomes a ConfigError naming file, 1-based line and dotted key; the first one wins.
#pragma once
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mta/config/mta_config.hpp"

namespace mxlab::config::yaml {

// Reads one mapping. Getters for optional keys: an absent key leaves `out` untouched and returns
// false; a valid value is stored and returns true; a bad value records an error and returns false.
// After the first error every call is a no-op, so loaders read straight through without checks.
class Reader {
 public:
  bool string(std::string_view key, std::string& out);
  bool boolean(std::string_view key, bool& out);  // true / false
  template <std::integral T>
  bool integer(std::string_view key, T& out, T min = std::numeric_limits<T>::min(),
               T max = std::numeric_limits<T>::max());
  bool number(std::string_view key, double& out);  // any finite number
  bool port(std::string_view key, std::uint16_t& out);  // 0-65535
  bool size(std::string_view key, std::size_t& out);  // bytes: 1000, 10k, 25MB, 1G (1k = 1024)
  bool duration(std::string_view key, std::chrono::milliseconds& out);  // 500ms 30s 20m 2h 7d, or seconds
  // List of scalars. `validate` (optional) returns "" for a good item or the error message,
  // reported at the item's own line as "key[i]".
  using ItemCheck = std::function<std::string(const std::string& item)>;
  bool strings(std::string_view key, std::vector<std::string>& out, const ItemCheck& validate = nullptr);
  bool string_map(std::string_view key, std::map<std::string, std::string>& out);

  // Nested mapping; `fill` reads it, then its unknown keys are reported. A null value is empty.
  bool map(std::string_view key, const std::function<void(Reader&)>& fill);
  // List of mappings; item keys read as "key[i].field".
  bool list(std::string_view key, const std::function<void(Reader& item, std::size_t index)>& fill);
  // Mapping with free-form names ({mx1: {...}, mx2: {...}}), each value a mapping.
  bool entries(std::string_view key, const std::function<void(const std::string& name, Reader&)>& fill);
  // Escape hatch: the node itself (marked as read), for shapes the getters do not cover.
  std::optional<YAML::Node> raw(std::string_view key);

  bool has(std::string_view key) const;
  void require(std::string_view key);  // "missing required key" unless present
  // Records `message` against `key` (its line when present, else this mapping's) unless `ok`.
  void check(std::string_view key, bool ok, std::string_view message);
  void fail(std::string_view key, std::string_view message) { check(key, false, message); }
  bool ok() const { return !state_->error; }
  std::string key_path(std::string_view key) const;  // "retry.initial_interval"
  const std::string& file() const { return state_->file; }
  int line() const;  // this mapping's first line, 0 when unknown

 private:
  struct State {
    std::string file;
    std::optional<ConfigError> error;
  };
  struct Entry {
    YAML::Node key, value;
  };
  Reader(std::shared_ptr<State> state, YAML::Node node, std::string path);
  std::optional<Entry> find(std::string_view key);  // marks `key` as asked for
  std::optional<std::string> scalar(std::string_view key, int* line);
  void error_at(int line, std::string key_path, std::string message);
  bool integer_in(std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t& out);
  void finish();  // reports duplicate and unknown keys
  std::optional<ConfigError> run(const std::function<void(Reader&)>& fill);

  std::shared_ptr<State> state_;
  YAML::Node node_;
  std::string path_;
  std::set<std::string, std::less<>> asked_;

  friend std::optional<ConfigError> read_text(const std::string&, const std::string&,
                                              const std::function<void(Reader&)>&);
};

// Parses `text` (named `file` in messages), runs `fill` over the top-level mapping, then reports
// unknown keys. Returns the first error, YAML syntax errors included; nullopt on success.
std::optional<ConfigError> read_text(const std::string& text, const std::string& file,
                                     const std::function<void(Reader&)>& fill);
// Same for a file; messages name it as given in `path`.
std::optional<ConfigError> read_file(const std::string& path, const std::function<void(Reader&)>& fill);

// The value grammars, for flags and other callers that see these strings outside YAML.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);
std::optional<std::uint64_t> parse_size(std::string_view s);

template <std::integral T>
bool Reader::integer(std::string_view key, T& out, T min, T max) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t hi = 0;
  if constexpr (std::is_unsigned_v<T>)
    hi = static_cast<std::uint64_t>(max) > static_cast<std::uint64_t>(kMax) ? kMax : static_cast<std::int64_t>(max);
  else
    hi = static_cast<std::int64_t>(max);
  std::int64_t v = 0;
  if (!integer_in(key, static_cast<std::int64_t>(min), hi, v)) return false;
  out = static_cast<T>(v);
  return true;
}

}  // namespace mxlab::config::yaml
