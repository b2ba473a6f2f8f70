// ClientTrace (see client_trace.hpp). Nothing here runs unless on(): facts are plain members,
// conn_meta is built at the first event that needs it and shared until a fact changes.
#include "mta/trace/client_trace.hpp"

#include <boost/json.hpp>
#include <cstdio>

#include "mta/common/ids.hpp"

namespace mxlab::trace {

namespace json = boost::json;

std::string make_uuid() {
  std::uint32_t w[4] = {random_u32(), random_u32(), random_u32(), random_u32()};
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff, w[2] >> 16,
                w[2] & 0xffff, w[3]);
  return buf;
}

ClientTrace::ClientTrace(TraceSink* sink, const ClientTraceFacts* facts) : sink_(sink), facts_(facts) {}

std::shared_ptr<const ConnMeta> ClientTrace::meta() {
  if (meta_) return meta_;
  auto m = std::make_shared<ConnMeta>();
  (*m)["id"] = id_;
  if (facts_) {
    (*m)["egress_pool"] = facts_->egress_pool;
    (*m)["egress_source"] = facts_->egress_source;
  }
  if (!site_.empty() && facts_ && facts_->ready_queue_name) (*m)["ready_queue_name"] = facts_->ready_queue_name(site_);
  if (!plan_.empty()) {
    json::array plan;
    for (const auto& p : plan_) {
      json::array addrs;
      for (const auto& a : p.addresses) addrs.emplace_back(a);
      plan.push_back(json::object{{"host", p.host}, {"preference", p.preference}, {"addresses", std::move(addrs)}});
    }
    (*m)["mx_plan"] = std::move(plan);
  }
  if (!mx_host_.empty()) (*m)["mx_host"] = mx_host_;
  if (!mx_address_.empty()) (*m)["mx_address"] = mx_address_;
  if (connected_ && !source_address_.empty()) (*m)["source_address"] = source_address_;
  if (message_ && facts_) {
    const auto& f = *facts_;
    auto opt = [](const std::string& s) -> json::value { return s.empty() ? json::value() : json::value(s); };
    (*m)["message_id"] = opt(f.message_id);
    (*m)["sender"] = f.sender;
    if (f.recipients.size() == 1) {
      (*m)["recipient"] = f.recipients.front();
    } else {
      json::array r;
      for (const auto& x : f.recipients) r.emplace_back(x);
      (*m)["recipient"] = std::move(r);
    }
    (*m)["domain"] = f.domain;
    (*m)["routing_domain"] = opt(f.routing_domain);
    (*m)["campaign"] = opt(f.campaign);
    (*m)["tenant"] = opt(f.tenant);
    (*m)["queue_name"] = f.queue_name;
  }
  meta_ = std::move(m);
  return meta_;
}

void ClientTrace::emit(EventKind kind, std::string payload, json::object detail) {
  if (id_.empty()) id_ = make_uuid(), meta_.reset();
  TraceEvent e;
  e.direction = Direction::Client;
  e.kind = kind;
  e.session_id = id_;
  e.peer = mx_address_;
  e.local = source_address_;
  e.payload = std::move(payload);
  e.detail = std::move(detail);
  e.meta = meta();
  sink_->publish(std::move(e));
}

void ClientTrace::begin(const std::string& site, const std::vector<MxPlanEntry>& plan) {
  site_ = site;  // the ready queue name is built from it when a subscriber needs it
  meta_.reset();
  if (!on()) return;
  plan_ = plan;
  emit(EventKind::BeginSession, {});
}

void ClientTrace::connecting(const std::string& mx_host, const std::string& address, std::uint16_t port) {
  // Kept even when nobody listens: a subscriber arriving mid-connection sees the right host.
  mx_host_ = mx_host;
  mx_address_ = address + ":" + std::to_string(port);
  meta_.reset();
  if (on()) emit(EventKind::Diagnostic, "connecting to " + mx_host + " [" + mx_address_ + "]");
}

void ClientTrace::reusing(const std::string& mx_host, const std::string& address, std::uint16_t port,
                          const std::string& source_address) {
  mx_host_ = mx_host;
  source_address_ = source_address;
  mx_address_ = address + ":" + std::to_string(port);
  connected_ = true;
  meta_.reset();
  if (on()) emit(EventKind::Diagnostic, "reusing the idle connection to " + mx_host + " [" + mx_address_ + "]");
}

void ClientTrace::connected(const std::string& source_address) {
  source_address_ = source_address;
  connected_ = true;
  meta_.reset();
  if (on()) emit(EventKind::Connected, {});
}

void ClientTrace::connect_failed(const std::string& why) {
  if (on()) emit(EventKind::Diagnostic, why, {{"level", "error"}});
}

void ClientTrace::message_obtained() {
  message_ = true;
  meta_.reset();
  if (on()) emit(EventKind::MessageObtained, {});
}

void ClientTrace::emit_bytes(EventKind kind, std::string_view bytes) {
  if (!on() || (!id_.empty() && sink_->absorb_if_saturated(Direction::Client, meta().get()))) return;
  emit(kind, std::string(bytes));
}

void ClientTrace::read(std::string_view bytes) { emit_bytes(EventKind::Read, bytes); }

void ClientTrace::write(std::string_view bytes) { emit_bytes(EventKind::Write, bytes); }

void ClientTrace::diagnostic(std::string_view level, std::string message) {
  if (on()) emit(EventKind::Diagnostic, std::move(message), {{"level", level}});
}

ClientTrace::~ClientTrace() {
  if (on() && !id_.empty()) emit(EventKind::Closed, {});
}

void ClientTrace::disconnected() {
  if (on()) emit(EventKind::Diagnostic, "connection to " + mx_host_ + " [" + mx_address_ + "] closed");
  connected_ = false;
  message_ = false;
  source_address_.clear();
  meta_.reset();
}

}  // namespace mxlab::trace
