// The structural half of the Reader (see yaml_reader.hpp): lists, nested mappings, the
// unknown/duplicate key check run when a mapping is done, and the document entry points that
// turn YAML syntax errors into ConfigErrors.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mta/config/yaml_reader.hpp"
#include "mta/config/yaml_node_text.hpp"

namespace mxlab::config::yaml {

using detail::kind_of;
using detail::line_of;

namespace {

// Edit distance, for "did you mean" on unknown keys.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" when one known key is within two edits of the unknown one.
std::string suggestion(const std::string& unknown, const std::set<std::string, std::less<>>& known) {
  for (const auto& k : known)
    if (distance(unknown, k) <= 2) return " (did you mean '" + k + "'?)";
  return {};
}

}  // namespace

void Reader::finish() {
  if (!ok() || !node_.IsMap()) return;
  std::map<std::string, int> seen;  // key -> line
  for (auto it = node_.begin(); it != node_.end() && ok(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    int line = line_of(it->first);
    if (auto [prev, fresh] = seen.emplace(key, line); !fresh)
      error_at(line, key_path(key), "duplicate key (first at line " + std::to_string(prev->second) + ")");
    else if (!asked_.contains(key))
      error_at(line, key_path(key), "unknown key" + suggestion(key, asked_));
  }
}

std::optional<ConfigError> Reader::run(const std::function<void(Reader&)>& fill) {
  if (ok()) fill(*this);
  finish();
  return state_->error;
}

bool Reader::map(std::string_view key, const std::function<void(Reader&)>& fill) {
  auto e = find(key);
  if (!e) return false;
  if (!e->value.IsMap() && !e->value.IsNull()) {
    error_at(line_of(e->key), key_path(key), "expected a mapping, got " + kind_of(e->value));
    return false;
  }
  Reader child(state_, e->value, key_path(key));
  child.run(fill);
  return ok();
}

bool Reader::list(std::string_view key, const std::function<void(Reader&, std::size_t)>& fill) {
  auto e = find(key);
  if (!e) return false;
  if (!e->value.IsSequence() && !e->value.IsNull()) {
    error_at(line_of(e->key), key_path(key), "expected a list, got " + kind_of(e->value));
    return false;
  }
  for (std::size_t i = 0; i < e->value.size() && ok(); ++i) {
    YAML::Node item = e->value[i];
    std::string path = key_path(key) + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      error_at(line_of(item), path, "expected a mapping, got " + kind_of(item));
      break;
    }
    Reader child(state_, item, path);
    child.run([&](Reader& r) { fill(r, i); });
  }
  return ok();
}

bool Reader::entries(std::string_view key, const std::function<void(const std::string&, Reader&)>& fill) {
  return map(key, [&](Reader& m) {
    for (auto it = m.node_.begin(); it != m.node_.end() && ok(); ++it) {
      std::string name = it->first.Scalar();
      m.asked_.insert(name);
      if (!it->second.IsMap() && !it->second.IsNull()) {
        error_at(line_of(it->first), m.key_path(name), "expected a mapping, got " + kind_of(it->second));
        break;
      }
      Reader child(state_, it->second, m.key_path(name));
      child.run([&](Reader& r) { fill(name, r); });
    }
  });
}

bool Reader::strings(std::string_view key, std::vector<std::string>& out, const ItemCheck& validate) {
  auto e = find(key);
  if (!e) return false;
  if (!e->value.IsSequence() && !e->value.IsNull()) {
    error_at(line_of(e->key), key_path(key), "expected a list, got " + kind_of(e->value));
    return false;
  }
  std::vector<std::string> items;
  for (std::size_t i = 0; i < e->value.size(); ++i) {
    YAML::Node item = e->value[i];
    std::string path = key_path(key) + "[" + std::to_string(i) + "]";
    std::string why = !item.IsScalar() ? "expected a single value, got " + kind_of(item)
                      : validate       ? validate(item.Scalar())
                                       : std::string();
    if (!why.empty()) {
      error_at(line_of(item), path, why);
      return false;
    }
    items.push_back(item.Scalar());
  }
  out = std::move(items);
  return true;
}

bool Reader::string_map(std::string_view key, std::map<std::string, std::string>& out) {
  std::map<std::string, std::string> values;
  bool present = map(key, [&](Reader& m) {
    for (auto it = m.node_.begin(); it != m.node_.end() && ok(); ++it) {
      std::string name = it->first.Scalar();
      m.string(name, values[name]);
    }
  });
  if (present) out = std::move(values);
  return present;
}

std::optional<YAML::Node> Reader::raw(std::string_view key) {
  auto e = find(key);
  if (!e) return std::nullopt;
  return e->value;
}

std::optional<ConfigError> read_text(const std::string& text, const std::string& file,
                                     const std::function<void(Reader&)>& fill) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return ConfigError{file, line, "", "YAML syntax error: " + e.msg};
  }
  if (!root.IsMap() && !root.IsNull())
    return ConfigError{file, line_of(root), "", "expected a mapping at the top level, got " + kind_of(root)};
  auto state = std::make_shared<Reader::State>(Reader::State{file, std::nullopt});
  Reader reader(state, root, "");
  return reader.run(fill);
}

std::optional<ConfigError> read_file(const std::string& path, const std::function<void(Reader&)>& fill) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path, 0, "", std::string("cannot read file: ") + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  return read_text(text.str(), path, fill);
}

}  // namespace mxlab::config::yaml
