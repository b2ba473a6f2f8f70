// Flows as OpenTelemetry traces in the OTLP/HTTP JSON encoding (POST to a collector's
// /v1/traces). Ids are stable, so every run, and every cycle of `--follow`, extends the same
// trace: trace id = first 16 bytes of SHA-256(Message-ID), span id = first 8 bytes of
// SHA-256("host/queue id") (mailtrace promised this; its code used random ids).
#pragma once
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mta/flow/flow_trace.hpp"

namespace mxlab::flow {

std::string sha256_hex(std::string_view data);  // 64 lower-case hex digits
// 32 hex digits from the Message-ID (brackets ignored); a flow without one uses its first hop.
std::string trace_id(const Flow& flow);
std::string span_id(std::string_view host, std::string_view queue_id);  // 16 hex digits

// One resourceSpans per host (service.name = host name) plus the root span per message.
// Spans: the message (root), each (host, queue id) with server.address, email.queue_id,
// email.next_host, message.id, and per delivery attempt its stages from the delays
// (queue, connection setup, transmission).
boost::json::value to_otlp(const std::vector<Flow>& flows);

}  // namespace mxlab::flow
