// OTLP JSON building (see flow_otlp.hpp). In the JSON encoding trace and span ids are hex
// strings and times are decimal strings of nanoseconds since the epoch (OTLP spec, "JSON
// Protobuf Encoding"). Kind 1 = INTERNAL; status code 2 = ERROR for deferrals and bounces.
#include "mta/flow/flow_otlp.hpp"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <map>

namespace mxlab::flow {

namespace json = boost::json;

namespace {

std::string unbracketed(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

std::string nanos(TimePoint t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

json::object attr(std::string_view key, std::string_view value) {
  return {{"key", key}, {"value", json::object{{"stringValue", value}}}};
}

json::object span(const std::string& trace, const std::string& id, const std::string& parent, std::string_view name,
                  TimePoint start, TimePoint end, json::array attributes, bool error = false,
                  std::string_view message = {}) {
  json::object s{{"traceId", trace},
                 {"spanId", id},
                 {"name", name},
                 {"kind", 1},
                 {"startTimeUnixNano", nanos(start)},
                 {"endTimeUnixNano", nanos(std::max(start, end))},
                 {"attributes", std::move(attributes)}};
  if (!parent.empty()) s["parentSpanId"] = parent;
  if (error) s["status"] = json::object{{"code", 2}, {"message", message}};
  return s;
}

// queue, connection setup and transmission, ending at the attempt's log time.
void stage_spans(const std::string& trace, const std::string& parent, const Hop& hop, const Attempt& a,
                 json::array& out) {
  const FlowEvent& e = a.event;
  if (!e.delays) return;
  const auto& d = *e.delays;
  const TimePoint end = e.time, transmit = end - d.transmission, setup = transmit - d.connection_setup,
                  queued = setup - d.in_queue;
  const std::string base = hop.host + "/" + hop.queue_id + "/" + e.recipient + "/" + nanos(e.time) + "/";
  const bool failed = e.kind != EventKind::Sent;
  struct Stage {
    const char* name;
    TimePoint from, to;
  };
  for (const Stage& s : {Stage{"queue", queued, setup}, Stage{"connection setup", setup, transmit},
                         Stage{"transmission", transmit, end}}) {
    json::array attrs{attr("server.address", hop.host), attr("email.queue_id", hop.queue_id),
                      attr("email.recipient", e.recipient), attr("email.status", to_string(e.kind))};
    out.push_back(span(trace, sha256_hex(base + s.name).substr(0, 16), parent, s.name, s.from, s.to,
                       std::move(attrs), failed && std::string_view(s.name) == "transmission", e.reply));
  }
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string trace_id(const Flow& flow) {
  if (!flow.message_id.empty()) return sha256_hex(unbracketed(flow.message_id)).substr(0, 32);
  const Hop& first = flow.hops.at(0);
  return sha256_hex(first.host + "/" + first.queue_id).substr(0, 32);
}

std::string span_id(std::string_view host, std::string_view queue_id) {
  return sha256_hex(std::string(host) + "/" + std::string(queue_id)).substr(0, 16);
}

json::value to_otlp(const std::vector<Flow>& flows) {
  std::map<std::string, json::array> by_host;  // resource (service) -> spans
  for (const auto& flow : flows) {
    const std::string trace = trace_id(flow);
    const std::string root = sha256_hex("message/" + trace).substr(0, 16);
    TimePoint start = TimePoint::max(), end{};
    for (const auto& h : flow.hops) {
      if (h.state == HopState::NotFound) continue;
      start = std::min(start, h.first_seen);
      end = std::max(end, h.last_seen);
    }
    if (start == TimePoint::max()) continue;
    by_host["mxlab-flow"].push_back(span(trace, root, "", "message " + flow.message_id, start, end,
                                         json::array{attr("message.id", flow.message_id)}));
    for (const auto& h : flow.hops) {
      if (h.state == HopState::NotFound) continue;
      std::string next;
      for (const auto& a : h.attempts) {
        std::string relay = a.event.relay_name.empty() ? a.event.relay_addr : a.event.relay_name;
        if (a.event.kind == EventKind::Sent && !relay.empty() && next.find(relay) == std::string::npos)
          next += (next.empty() ? "" : ",") + relay;
      }
      const std::string id = span_id(h.host, h.queue_id);
      const std::string parent = h.parent >= 0 ? span_id(flow.hops[h.parent].host, flow.hops[h.parent].queue_id) : root;
      json::array attrs{attr("server.address", h.host), attr("email.queue_id", h.queue_id),
                        attr("email.next_host", next), attr("message.id", flow.message_id),
                        attr("email.state", to_string(h.state))};
      json::array& spans = by_host[h.host];
      spans.push_back(span(trace, id, parent, h.host + " " + h.queue_id, h.first_seen, h.last_seen, std::move(attrs),
                           h.state == HopState::Waiting || h.state == HopState::Bounced, h.waiting_reason));
      for (const auto& a : h.attempts) stage_spans(trace, id, h, a, spans);
    }
  }
  json::array resource_spans;
  for (auto& [service, spans] : by_host) {
    json::object resource{{"attributes", json::array{attr("service.name", service), attr("host.name", service)}}};
    json::object scope{{"scope", json::object{{"name", "mxlab.flow"}}}, {"spans", std::move(spans)}};
    resource_spans.push_back(json::object{{"resource", std::move(resource)}, {"scopeSpans", json::array{scope}}});
  }
  return json::object{{"resourceSpans", std::move(resource_spans)}};
}

}  // namespace mxlab::flow
