// LogRecord's JSON line in KumoMTA's shape, so KumoMTA log tooling reads ours. Timestamps are
// integer unix seconds as KumoMTA writes them; absent optional parts (enhanced code, command,
// peer address) are null, as in KumoMTA's Option<> fields; empty envelope id / protocols are omitted.
#include "mta/log/log_record.hpp"

#include <boost/json.hpp>

#include <array>
#include <chrono>

namespace mxlab::log {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<RecordType, std::string_view>, 8> kTypes = {{
    {RecordType::Reception, "Reception"},
    {RecordType::Delivery, "Delivery"},
    {RecordType::TransientFailure, "TransientFailure"},
    {RecordType::Bounce, "Bounce"},
    {RecordType::Expiration, "Expiration"},
    {RecordType::AdminBounce, "AdminBounce"},
    {RecordType::Rejection, "Rejection"},
    {RecordType::AdminRebind, "AdminRebind"},
}};

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Formatted here from the fields rather than via EnhancedCode::str(), so the log layer does not
// link the protocol library for one struct.
json::value enhanced_to_json(const std::optional<smtp::EnhancedCode>& code) {
  if (!code) return nullptr;
  return json::object{{"class", code->cls}, {"subject", code->subject}, {"detail", code->detail}};
}

json::object response_to_json(const Response& r) {
  json::object o;
  o["code"] = r.code;
  o["enhanced_code"] = enhanced_to_json(r.enhanced_code);
  o["content"] = r.content;
  o["command"] = r.command.empty() ? json::value(nullptr) : json::value(r.command);
  return o;
}

json::value peer_to_json(const PeerAddress& p) {
  if (p.name.empty() && p.addr.empty()) return nullptr;
  return json::object{{"name", p.name}, {"addr", p.addr}};
}

double seconds(Millis d) { return static_cast<double>(d.count()) / 1000.0; }

json::object delays_to_json(const Delays& d) {
  return {{"before_queue", seconds(d.before_queue)},
          {"in_queue", seconds(d.in_queue)},
          {"connection_setup", seconds(d.connection_setup)},
          {"transmission", seconds(d.transmission)}};
}

}  // namespace

std::string_view to_string(RecordType t) {
  for (const auto& [type, name] : kTypes)
    if (type == t) return name;
  return "Unknown";
}

std::optional<RecordType> parse_record_type(std::string_view name) {
  for (const auto& [type, n] : kTypes)
    if (n == name) return type;
  return std::nullopt;
}

std::string LogRecord::to_json() const {
  json::object o;
  o["type"] = std::string(to_string(type));
  o["id"] = id;
  if (!envelope_id.empty()) o["envelope_id"] = envelope_id;
  o["sender"] = sender;
  o["recipient"] = recipient;
  o["queue"] = queue;
  o["site"] = site;
  o["size"] = size;
  o["response"] = response_to_json(response);
  o["peer_address"] = peer_to_json(peer_address);
  o["timestamp"] = unix_seconds(timestamp);
  o["created"] = unix_seconds(created);
  o["num_attempts"] = num_attempts;
  if (!reception_protocol.empty()) o["reception_protocol"] = reception_protocol;
  if (!delivery_protocol.empty()) o["delivery_protocol"] = delivery_protocol;
  if (!tls_protocol_version.empty()) o["tls_protocol_version"] = tls_protocol_version;
  if (!tls_cipher.empty()) o["tls_cipher"] = tls_cipher;
  json::object m;
  for (const auto& [k, v] : meta) m[k] = v;
  o["meta"] = std::move(m);
  o["bounce_classification"] = bounce_classification;
  if (!egress_pool.empty()) o["egress_pool"] = egress_pool;
  if (!egress_source.empty()) o["egress_source"] = egress_source;
  json::object h;
  for (const auto& [k, v] : headers) h[k] = v;
  o["headers"] = std::move(h);
  if (delays) o["delays"] = delays_to_json(*delays);
  return json::serialize(o);
}

}  // namespace mxlab::log
