// Formatting, parsing and generation of message / envelope ids (see ids.hpp).
#include "mta/common/ids.hpp"

#include <charconv>
#include <cstdio>
#include <random>

namespace mxlab {

namespace {
template <class T>
std::optional<T> parse_hex(std::string_view s, std::size_t digits) {
  if (s.size() != digits) return std::nullopt;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

std::string format_message_id(MessageId id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

std::string format_envelope_id(EnvelopeId id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

std::optional<MessageId> parse_message_id(std::string_view s) { return parse_hex<MessageId>(s, 8); }
std::optional<EnvelopeId> parse_envelope_id(std::string_view s) { return parse_hex<EnvelopeId>(s, 16); }

std::uint32_t random_u32() {
  thread_local std::mt19937 gen{std::random_device{}()};
  std::uint32_t v;
  do {
    v = static_cast<std::uint32_t>(gen());
  } while (v == 0);
  return v;
}

}  // namespace mxlab
