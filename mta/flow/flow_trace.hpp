// Following one message across a fleet of hosts (mailtrace's algorithm, exact): find the queue
// ids a keyword names on the start host(s), collect each queue id's events, and hop to the next
// host by the relay the delivery went to plus the "queued as" id the receiver answered, until
// the message leaves the fleet. Socket-free: events come from an injected EventSource.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/flow/flow_event.hpp"

namespace mxlab::flow {

struct FleetHost {
  std::string name;                    // as other hosts name it in relay= (the MX name)
  std::vector<std::string> addresses;  // as other hosts reach it in relay=name[addr]
};

struct Fleet {
  std::vector<FleetHost> hosts;
  std::map<std::string, std::vector<std::string>> clusters;  // name -> host names

  // The fleet host a delivery went to: by name (case-insensitive), else by address; nullptr
  // when the relay is outside the fleet.
  const FleetHost* find_relay(std::string_view name, std::string_view addr) const;
  // A cluster's members, or the host itself; an unknown name is an error naming the choices.
  Expected<std::vector<std::string>> expand(const std::string& host_or_cluster) const;
};

// Events of one host whose raw log line contains `needle` (a keyword or a queue id), within the
// caller's time window. An error names the host and the source that failed.
using EventSource = std::function<Expected<std::vector<FlowEvent>>(const std::string& host, const std::string& needle)>;

struct Attempt {  // one delivery attempt of one recipient, as the sending host logged it
  FlowEvent event;
  int next_hop = -1;  // index in Flow::hops of the receiving host's queue entry; -1 = outside the fleet
};

enum class HopState { Delivered, Waiting, Bounced, InQueue, NotFound };
std::string_view to_string(HopState s);

struct Hop {  // one queue entry: (host, queue id)
  std::string host{};
  std::string queue_id{};
  int parent = -1;  // the hop that relayed it here
  std::string message_id{}, sender{}, client{};
  TimePoint first_seen{}, last_seen{};
  std::vector<Attempt> attempts{};  // in log order
  HopState state = HopState::NotFound;
  std::string waiting_reason{};  // Waiting: the last deferral's reply
};

struct Flow {
  std::string message_id;  // "" when no host logged one
  std::vector<Hop> hops;   // hops[0] is where the search started; parents come before children
};

struct TraceQuery {
  std::string start;    // host or cluster name
  std::string keyword;  // sender, recipient, Message-ID (with or without <>), or queue id
};

// Keyword matching is case-insensitive and exact per field. No match is an empty result.
Expected<std::vector<Flow>> trace(const Fleet& fleet, const TraceQuery& query, const EventSource& source);

// Does the event mention the keyword (queue id, message id, sender or recipient)?
bool mentions(const FlowEvent& e, std::string_view keyword);

}  // namespace mxlab::flow
