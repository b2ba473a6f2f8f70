// How much a fake MX host keeps (the host key `recording:`). Full: every session with its
// transcript and every message with its data, as tests want. Envelopes: sessions without the
// lines read and written (connects, closes and rule notes stay) and messages without data (sizes
// kept), for long runs. Counts: only how many, like smtp-sink: a load sink that runs for hours
// without growing.
#pragma once
#include <optional>
#include <string_view>

namespace mxlab::fakemx {

enum class RecordingLevel { Full, Envelopes, Counts };
std::string_view to_string(RecordingLevel level);  // "full", "envelopes", "counts"
std::optional<RecordingLevel> parse_recording_level(std::string_view name);

}  // namespace mxlab::fakemx
