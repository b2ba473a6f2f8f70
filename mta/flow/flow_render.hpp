// The three views of traced flows: text for a terminal, Graphviz DOT (hosts as nodes, queue ids
// on the edges, as mailtrace draws it; `dot -Tsvg` renders it) and JSON for scripts.
#pragma once
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "mta/flow/flow_trace.hpp"

namespace mxlab::flow {

std::string render_text(const std::vector<Flow>& flows);
std::string render_dot(const std::vector<Flow>& flows);
boost::json::value render_json(const std::vector<Flow>& flows);

// "2026-12-03 12:00:01" (UTC)
std::string format_time(TimePoint t);

}  // namespace mxlab::flow
