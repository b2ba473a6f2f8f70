// header_value (see message_header.hpp). Accepts CRLF or bare LF line ends.
#include "mta/protocol/message_header.hpp"

#include <cctype>

namespace mxlab::smtp {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<std::string> header_value(std::string_view message, std::string_view name) {
  std::optional<std::string> value;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t end = message.find('\n', pos);
    std::string_view line = message.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? message.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header section
    const bool continuation = line.front() == ' ' || line.front() == '\t';
    if (continuation) {
      if (value) *value += " " + std::string(trim(line));
      continue;
    }
    if (value) break;  // the field we found has ended
    auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name))
      value = std::string(trim(line.substr(colon + 1)));
  }
  if (value) *value = std::string(trim(*value));
  return value;
}

}  // namespace mxlab::smtp
