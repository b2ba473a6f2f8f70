// The tracer (see flow_trace.hpp). Breadth-first over (host, queue id) pairs; a pair is visited
// once, so relay loops and repeated "queued as" lines cannot make it spin.
#include "mta/flow/flow_trace.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>

namespace mxlab::flow {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view unbracketed(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return v.substr(1, v.size() - 2);
  return v;
}

// The needle a log search uses: a Message-ID without its brackets (mtad JSON escapes nothing
// there, Postfix writes it bracketed), anything else as given.
std::string needle_of(std::string_view keyword) { return std::string(unbracketed(keyword)); }

void absorb(Hop& hop, const FlowEvent& e) {
  if (hop.first_seen == TimePoint{} || e.time < hop.first_seen) hop.first_seen = e.time;
  hop.last_seen = std::max(hop.last_seen, e.time);
  if (hop.message_id.empty()) hop.message_id = e.message_id;
  if (hop.sender.empty()) hop.sender = e.sender;
  if (hop.client.empty()) hop.client = e.client;
  if (e.kind == EventKind::Sent || e.kind == EventKind::Deferred || e.kind == EventKind::Bounced ||
      e.kind == EventKind::Expired)
    hop.attempts.push_back({e, -1});
}

// Waiting while some recipient's latest attempt is a deferral; else bounced if any recipient
// bounced or expired; else delivered once every recipient was sent; else still in the queue.
void settle(Hop& hop, bool found) {
  if (!found) {
    hop.state = HopState::NotFound;
    return;
  }
  std::map<std::string, const FlowEvent*> latest;
  for (const auto& a : hop.attempts) latest[a.event.recipient] = &a.event;
  bool waiting = false, bounced = false;
  for (const auto& [rcpt, e] : latest) {
    if (e->kind == EventKind::Deferred) {
      waiting = true;
      hop.waiting_reason = e->reply;
    }
    bounced = bounced || e->kind == EventKind::Bounced || e->kind == EventKind::Expired;
  }
  hop.state = waiting ? HopState::Waiting
              : bounced ? HopState::Bounced
              : latest.empty() ? HopState::InQueue
                               : HopState::Delivered;
}

}  // namespace

std::string_view to_string(HopState s) {
  switch (s) {
    case HopState::Delivered: return "delivered";
    case HopState::Waiting: return "waiting";
    case HopState::Bounced: return "bounced";
    case HopState::InQueue: return "in queue";
    case HopState::NotFound: return "not found";
  }
  return "unknown";
}

const FleetHost* Fleet::find_relay(std::string_view name, std::string_view addr) const {
  for (const auto& h : hosts)
    if (!name.empty() && iequals(h.name, name)) return &h;
  for (const auto& h : hosts)
    for (const auto& a : h.addresses)
      if (!addr.empty() && a == addr) return &h;
  return nullptr;
}

Expected<std::vector<std::string>> Fleet::expand(const std::string& name) const {
  if (auto it = clusters.find(name); it != clusters.end()) return it->second;
  for (const auto& h : hosts)
    if (iequals(h.name, name)) return std::vector<std::string>{h.name};
  std::string known;
  for (const auto& h : hosts) known += (known.empty() ? "" : ", ") + h.name;
  for (const auto& [c, members] : clusters) known += (known.empty() ? "" : ", ") + c;
  return unexpected("unknown host or cluster '" + name + "' (known: " + (known.empty() ? "none" : known) + ")");
}

bool mentions(const FlowEvent& e, std::string_view keyword) {
  return iequals(e.queue_id, keyword) || iequals(e.sender, keyword) || iequals(e.recipient, keyword) ||
         (!e.message_id.empty() && iequals(unbracketed(e.message_id), unbracketed(keyword)));
}

Expected<std::vector<Flow>> trace(const Fleet& fleet, const TraceQuery& query, const EventSource& source) {
  auto starts = fleet.expand(query.start);
  if (!starts) return unexpected(starts.error());
  std::vector<Flow> flows;
  std::set<std::pair<std::string, std::string>> visited;  // (host, queue id)
  for (const auto& start : *starts) {
    auto found = source(start, needle_of(query.keyword));
    if (!found) return unexpected(found.error());
    std::vector<std::string> roots;  // queue ids in log order
    for (const auto& e : *found)
      if (mentions(e, query.keyword) && std::find(roots.begin(), roots.end(), e.queue_id) == roots.end())
        roots.push_back(e.queue_id);
    for (const auto& root : roots) {
      if (visited.count({start, root})) continue;
      Flow flow;
      std::deque<int> todo;
      flow.hops.push_back({start, root});
      visited.insert({start, root});
      todo.push_back(0);
      while (!todo.empty()) {
        int index = todo.front();
        todo.pop_front();
        const std::string host = flow.hops[index].host, qid = flow.hops[index].queue_id;
        auto events = source(host, qid);
        if (!events) return unexpected(events.error());
        bool any = false;
        for (const auto& e : *events) {
          if (e.queue_id != qid) continue;
          any = true;
          absorb(flow.hops[index], e);
        }
        settle(flow.hops[index], any);
        for (std::size_t a = 0; a < flow.hops[index].attempts.size(); ++a) {
          const FlowEvent& e = flow.hops[index].attempts[a].event;
          if (e.kind != EventKind::Sent || e.queued_as.empty()) continue;
          const FleetHost* next = fleet.find_relay(e.relay_name, e.relay_addr);
          if (!next) continue;  // leaves the fleet
          std::pair<std::string, std::string> key{next->name, e.queued_as};
          int child = -1;
          for (std::size_t h = 0; h < flow.hops.size(); ++h)
            if (flow.hops[h].host == key.first && flow.hops[h].queue_id == key.second) child = static_cast<int>(h);
          if (child < 0 && !visited.count(key)) {
            visited.insert(key);
            child = static_cast<int>(flow.hops.size());
            Hop hop{next->name, e.queued_as};
            hop.parent = index;
            flow.hops.push_back(std::move(hop));
            todo.push_back(child);
          }
          flow.hops[index].attempts[a].next_hop = child;
        }
      }
      for (const auto& h : flow.hops)
        if (flow.message_id.empty()) flow.message_id = h.message_id;
      flows.push_back(std::move(flow));
    }
  }
  return flows;
}

}  // namespace mxlab::flow
