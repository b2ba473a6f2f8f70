// The client side's trace producer: one ClientTrace per delivery session (one attempt_domain
// run): BeginSession, then per address a Diagnostic "connecting to", Connected, Read/Write,
// MessageObtained, a Diagnostic "connection closed"; Closed once, when the session ends. It keeps the session's facts as plain
// strings and builds conn_meta and events only while someone subscribes to client traces.
// Each conn_meta key appears when it becomes known (docs/TRACE.md):
//   at BeginSession: id, egress_pool, egress_source, ready_queue_name, mx_plan
//   after connect:   source_address, mx_host, mx_address
//   per message:     message_id, sender, recipient, domain, routing_domain, campaign, tenant, queue_name
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "mta/trace/trace_sink.hpp"

namespace mxlab::trace {

// What the scheduler knows about the message before the session starts.
struct ClientTraceFacts {
  std::string egress_pool = "unspecified";
  std::string egress_source = "unspecified";
  std::function<std::string(std::string_view site)> ready_queue_name;  // empty: no ready queue name
  std::string message_id;
  std::string sender;
  std::vector<std::string> recipients;
  std::string domain;
  std::string routing_domain;
  std::string campaign;
  std::string tenant;
  std::string queue_name;
};

struct MxPlanEntry {
  std::string host;
  int preference = 0;
  std::vector<std::string> addresses;
};

class ClientTrace {
 public:
  // `sink` may be null (never traced); `facts` may be null (no per-message facts).
  ClientTrace(TraceSink* sink, const ClientTraceFacts* facts);
  ~ClientTrace();  // Closed, when this session was traced
  ClientTrace(const ClientTrace&) = delete;
  ClientTrace& operator=(const ClientTrace&) = delete;

  bool on() const { return sink_ && sink_->enabled(Direction::Client); }

  // `plan` is copied only while someone subscribes (mx_plan is absent for late subscribers).
  void begin(const std::string& site, const std::vector<MxPlanEntry>& plan);
  void connecting(const std::string& mx_host, const std::string& address, std::uint16_t port);
  void connected(const std::string& source_address);
  // An idle connection from an earlier session carries this one's next transaction.
  void reusing(const std::string& mx_host, const std::string& address, std::uint16_t port,
               const std::string& source_address);
  void connect_failed(const std::string& why);
  void message_obtained();
  void read(std::string_view bytes);
  void write(std::string_view bytes);
  void diagnostic(std::string_view level, std::string message);
  void disconnected();  // the connection ended; its facts and the message's are forgotten

 private:
  void emit(EventKind kind, std::string payload, boost::json::object detail = {});
  void emit_bytes(EventKind kind, std::string_view bytes);  // Read / Write: only counted when saturated
  std::shared_ptr<const ConnMeta> meta();

  TraceSink* sink_;
  const ClientTraceFacts* facts_;
  std::string id_;  // made on the first event
  std::string site_;
  std::vector<MxPlanEntry> plan_;
  std::string mx_host_, mx_address_, source_address_;
  bool connected_ = false;
  bool message_ = false;
  std::shared_ptr<const ConnMeta> meta_;  // cache; reset when a fact changes
};

// A random RFC 4122 version 4 UUID, KumoMTA's session id format.
std::string make_uuid();

}  // namespace mxlab::trace
