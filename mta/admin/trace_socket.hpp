// The trace WebSockets, /api/admin/trace-smtp-client/v1 and /api/admin/trace-smtp-server/v1
// (KumoMTA's paths). Private to mta/admin: included only by admin_server.cpp (Beast inside).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string_view>

#include "mta/trace/trace_hub.hpp"

namespace mxlab::admin {

inline constexpr std::string_view kTraceClientPath = "/api/admin/trace-smtp-client/v1";
inline constexpr std::string_view kTraceServerPath = "/api/admin/trace-smtp-server/v1";

// The direction a request target names, if it is a trace path (a query string is ignored).
std::optional<trace::Direction> trace_direction(std::string_view target);

// Completes the WebSocket upgrade, then: the first text frame is the filter request
// ({"source_addr": [...], ..., "terse": bool, "capacity": n, "name": "..."}); every frame after
// it is one event {conn_meta, payload, when}. A text frame "summary" from the client, or the
// server stopping, ends the stream with {"summary": counts} and a normal close. A bad request
// gets {"error": "..."} and a policy-violation close.
boost::asio::awaitable<void> serve_trace_socket(boost::beast::tcp_stream& stream,
                                                const boost::beast::http::request<boost::beast::http::string_body>& request,
                                                trace::TraceHub& hub, trace::Direction direction);

}  // namespace mxlab::admin
