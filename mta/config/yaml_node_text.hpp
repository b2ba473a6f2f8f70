// Internal to the Reader's two .cpp files: how a YAML node is named in error messages.
// YAML::Mark lines are 0-based and -1 when unknown; ConfigError lines are 1-based, 0 when unknown.
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>

namespace mxlab::config::yaml::detail {

inline int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  const YAML::Mark m = n.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

// "a mapping", "a list", "nothing" or the quoted scalar, for "expected X, got Y".
inline std::string kind_of(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "'" + n.Scalar() + "'";
}

}  // namespace mxlab::config::yaml::detail
