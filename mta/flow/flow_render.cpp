// Text, DOT and JSON views of flows (see flow_render.hpp). A deferred attempt is drawn dashed
// toward the relay it is waiting for, so the graph shows where the message sits.
#include "mta/flow/flow_render.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>
#include <set>

#include "mta/log/postfix_line.hpp"

namespace mxlab::flow {

namespace json = boost::json;

namespace {

std::string relay_text(const FlowEvent& e) {
  if (e.relay_name.empty() && e.relay_addr.empty()) return "none";
  return (e.relay_name.empty() ? e.relay_addr : e.relay_name) + (e.relay_addr.empty() ? "" : "[" + e.relay_addr + "]");
}

std::string delays_text(const log::Delays& d) {
  return log::format_postfix_delay(d.before_queue) + "/" + log::format_postfix_delay(d.in_queue) + "/" +
         log::format_postfix_delay(d.connection_setup) + "/" + log::format_postfix_delay(d.transmission);
}

std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') continue;
    out += c;
  }
  return out + "\"";
}

json::object delays_json(const log::Delays& d) {
  auto s = [](Millis m) { return static_cast<double>(m.count()) / 1000.0; };
  return {{"before_queue", s(d.before_queue)},
          {"in_queue", s(d.in_queue)},
          {"connection_setup", s(d.connection_setup)},
          {"transmission", s(d.transmission)}};
}

}  // namespace

std::string format_time(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string render_text(const std::vector<Flow>& flows) {
  std::string out;
  for (const auto& flow : flows) {
    out += "message " + (flow.message_id.empty() ? std::string("(no Message-ID logged)") : flow.message_id);
    if (!flow.hops.empty() && !flow.hops[0].sender.empty()) out += " from <" + flow.hops[0].sender + ">";
    out += "\n";
    for (std::size_t i = 0; i < flow.hops.size(); ++i) {
      const Hop& h = flow.hops[i];
      out += "  [" + std::to_string(i + 1) + "] " + h.host + " queue " + h.queue_id + ": " +
             std::string(to_string(h.state));
      if (h.state != HopState::NotFound) out += ", first seen " + format_time(h.first_seen);
      if (!h.client.empty()) out += " from " + h.client;
      out += "\n";
      for (const auto& a : h.attempts) {
        const FlowEvent& e = a.event;
        out += "      " + format_time(e.time) + " to=<" + e.recipient + "> " + std::string(to_string(e.kind)) +
               " via " + relay_text(e);
        if (!e.queued_as.empty()) out += ", queued as " + e.queued_as;
        if (a.next_hop >= 0) out += " -> [" + std::to_string(a.next_hop + 1) + "]";
        else if (e.kind == EventKind::Sent) out += " (leaves the fleet)";
        if (e.delays) out += ", delays=" + delays_text(*e.delays);
        if (!e.reply.empty() && e.kind != EventKind::Sent) out += " (" + e.reply + ")";
        out += "\n";
      }
      if (h.state == HopState::Waiting)
        out += "      waiting in the queue of " + h.host + " as " + h.queue_id + ": " + h.waiting_reason + "\n";
    }
  }
  return out;
}

std::string render_dot(const std::vector<Flow>& flows) {
  std::string nodes, edges;
  std::set<std::string> seen_nodes, seen_edges;
  auto node = [&](const std::string& name, bool external) {
    if (!seen_nodes.insert(name).second) return;
    nodes += "  " + dot_quote(name) + (external ? " [shape=box, style=dashed]" : "") + ";\n";
  };
  for (const auto& flow : flows) {
    for (const auto& h : flow.hops) {
      node(h.host, false);
      for (const auto& a : h.attempts) {
        const FlowEvent& e = a.event;
        if (e.kind != EventKind::Sent && e.kind != EventKind::Deferred) continue;
        std::string to = a.next_hop >= 0 ? flow.hops[a.next_hop].host
                         : e.relay_name.empty() ? e.relay_addr
                                                : e.relay_name;
        if (to.empty()) continue;
        if (a.next_hop < 0 && to == h.host) to = relay_text(e);  // local delivery (LMTP): not a loop
        node(to, a.next_hop < 0);
        const bool deferred = e.kind == EventKind::Deferred;
        std::string edge = "  " + dot_quote(h.host) + " -> " + dot_quote(to) + " [label=" +
                           dot_quote(h.queue_id + (deferred ? " (deferred)" : "")) +
                           (deferred ? ", style=dashed, color=orange" : "") + "];\n";
        if (seen_edges.insert(edge).second) edges += edge;
      }
    }
  }
  return "digraph mailflow {\n  rankdir=LR;\n" + nodes + edges + "}\n";
}

json::value render_json(const std::vector<Flow>& flows) {
  json::array out;
  for (const auto& flow : flows) {
    json::array hops;
    for (const auto& h : flow.hops) {
      json::array attempts;
      for (const auto& a : h.attempts) {
        const FlowEvent& e = a.event;
        json::object o{{"time", format_time(e.time)},
                       {"recipient", e.recipient},
                       {"status", std::string(to_string(e.kind))},
                       {"relay", json::object{{"name", e.relay_name}, {"addr", e.relay_addr}}},
                       {"queued_as", e.queued_as},
                       {"reply", e.reply},
                       {"dsn", e.dsn},
                       {"next_hop", a.next_hop}};
        if (e.delays) o["delays"] = delays_json(*e.delays);
        attempts.push_back(std::move(o));
      }
      json::object ho{{"host", h.host},           {"queue_id", h.queue_id},
                      {"parent", h.parent},       {"state", std::string(to_string(h.state))},
                      {"message_id", h.message_id}, {"sender", h.sender},
                      {"client", h.client},       {"attempts", std::move(attempts)}};
      if (h.state != HopState::NotFound) {
        ho["first_seen"] = format_time(h.first_seen);
        ho["last_seen"] = format_time(h.last_seen);
      }
      if (h.state == HopState::Waiting) ho["waiting_reason"] = h.waiting_reason;
      hops.push_back(std::move(ho));
    }
    out.push_back(json::object{{"message_id", flow.message_id}, {"hops", std::move(hops)}});
  }
  return json::object{{"flows", std::move(out)}};
}

}  // namespace mxlab::flow
