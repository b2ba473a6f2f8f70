// Message and envelope identifiers, OpenSMTPD's scheme: a message id is 32 random bits (8 hex),
// an envelope id (one per recipient) carries its message id in the upper 32 bits (16 hex), so any
// command given a message id can find all its envelopes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxlab {

using MessageId = std::uint32_t;
using EnvelopeId = std::uint64_t;

inline MessageId message_of(EnvelopeId e) { return static_cast<MessageId>(e >> 32); }
inline EnvelopeId make_envelope_id(MessageId m, std::uint32_t low) {
  return (static_cast<EnvelopeId>(m) << 32) | low;
}

std::string format_message_id(MessageId id);    // "0a1b2c3d"
std::string format_envelope_id(EnvelopeId id);  // "0a1b2c3d00000001"
std::optional<MessageId> parse_message_id(std::string_view s);
std::optional<EnvelopeId> parse_envelope_id(std::string_view s);

// Random non-zero 32-bit value from a thread-local generator seeded from the OS.
std::uint32_t random_u32();

}  // namespace mxlab
