// Recording level names (see recording_level.hpp).
#include "sim/fake_mx/recording_level.hpp"

namespace mxlab::fakemx {

std::string_view to_string(RecordingLevel level) {
  switch (level) {
    case RecordingLevel::Full: return "full";
    case RecordingLevel::Envelopes: return "envelopes";
    case RecordingLevel::Counts: return "counts";
  }
  return "?";
}

std::optional<RecordingLevel> parse_recording_level(std::string_view name) {
  for (auto l : {RecordingLevel::Full, RecordingLevel::Envelopes, RecordingLevel::Counts})
    if (to_string(l) == name) return l;
  return std::nullopt;
}

}  // namespace mxlab::fakemx
