// JSON shapes of the operator endpoints: selectors and durations parsed from request bodies,
// rules and queue views rendered with KumoMTA's field names (id, campaign, tenant, domain,
// routing_domain, reason, duration, bounced, total_bounced; inspect-message's {id, message}).
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "mta/admin/http_message.hpp"
#include "mta/common/expected.hpp"
#include "mta/queue/admin_rules.hpp"
#include "mta/queue/queue_view.hpp"

namespace mxlab::admin {

// `s` with each invalid UTF-8 sequence replaced by U+FFFD: JSON text must be UTF-8 (RFC 8259
// 8.1), but message data, meta, remote replies and request targets are whatever peers sent.
std::string valid_utf8(std::string_view s);

// The JSON object body of a request, or the 400 to answer.
Expected<boost::json::object, Response> parse_body(const Request& r);
std::optional<std::string> string_field(const boost::json::object& o, std::string_view key);

// "5m", "1h 30m", "90s", "250ms"; KumoMTA's humantime spellings for the common units.
std::optional<std::chrono::milliseconds> parse_duration_text(std::string_view text);
// "4m 50s" (KumoMTA lists the remaining time of a rule this way).
std::string format_duration(std::chrono::milliseconds d);

// POST /api/admin/rebind/v1 (KumoMTA's RebindV1Request); no selector field means everything.
Expected<queue::RebindRequest, std::string> parse_rebind(const boost::json::object& body);
// A bounce or suspend rule from a POST body; `now` anchors duration / expires.
Expected<queue::AdminRule, std::string> parse_rule(const boost::json::object& body, queue::RuleKind kind,
                                                   TimePoint now);
boost::json::object rule_json(const queue::AdminRule& r, TimePoint now);

// {id, message:{sender, recipient, meta, data?, received, size, envelopes:[...]}}
boost::json::object inspect_json(const queue::MessageView& m);
// postqueue -j: {queue_id, queue_name, arrival_time, message_size, sender, recipients:[...]}
boost::json::object queue_entry_json(const queue::MessageView& m, TimePoint now);

}  // namespace mxlab::admin
