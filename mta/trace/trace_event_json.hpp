// Trace events as KumoMTA writes them on its trace WebSockets: {"conn_meta", "payload", "when"}.
// Payload variants are externally tagged: unit variants as strings ("Connected"), others as
// objects ({"Read": "250 ok\r\n"}). Terse mode abbreviates the bulky side (client writes, server
// reads: mostly message data) to {"AbbreviatedWrite"|"AbbreviatedRead": {"snippet", "len"}}.
#pragma once
#include <boost/json/value.hpp>
#include <string>

#include "mta/trace/trace_sink.hpp"

namespace mxlab::trace {

// Payloads longer than this are abbreviated in terse mode, to their first kTerseSnippet bytes.
inline constexpr std::size_t kTerseThreshold = 200;
inline constexpr std::size_t kTerseSnippet = 64;

boost::json::value payload_json(const TraceEvent& e, bool terse = false);
boost::json::object event_json(const TraceEvent& e, bool terse = false);
std::string event_text(const TraceEvent& e, bool terse = false);
// RFC 3339 UTC with microseconds, as chrono's DateTime<Utc> serialises: "2026-01-02T03:04:05.000006Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

// The in-band notice a lagging subscriber receives before its next event (KumoMTA's wording,
// plus the exact count): a Diagnostic at level "warn" with detail {"lost": n}.
TraceEvent lost_notice(Direction d, std::uint64_t lost);

}  // namespace mxlab::trace
