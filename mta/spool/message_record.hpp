// The envelope of a spooled message: sender, per-recipient envelopes with their delivery state,
// and reception metadata. Stored as versioned, human-readable JSON next to the message data.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/expected.hpp"
#include "mta/common/ids.hpp"

namespace mxlab::spool {

enum class EnvelopeState { Pending, Delivered, Bounced, Expired };
std::string_view to_string(EnvelopeState s);

struct EnvelopeRecord {
  EnvelopeId id = 0;
  std::string recipient;  // full address
  EnvelopeState state = EnvelopeState::Pending;
  int attempts = 0;
  TimePoint next_attempt{};  // when the scheduler should try again
  TimePoint last_attempt{};
  std::string last_error;  // reply summary of the last failure
};

struct MessageRecord {
  static constexpr int kVersion = 1;
  MessageId id = 0;
  std::string sender;  // empty = null reverse-path <>
  TimePoint received{};
  std::string received_from;  // peer address "127.0.0.1:53422"
  std::string helo;
  std::uint64_t size = 0;  // bytes of data
  std::map<std::string, std::string> meta;  // tenant, campaign, routing_domain, ...
  std::vector<EnvelopeRecord> envelopes;

  std::string to_json() const;
  static Expected<MessageRecord> from_json(std::string_view text);
  bool done() const;  // no envelope Pending
};

// Domain part of an address, lower-cased ("User@Example.COM" -> "example.com").
std::string domain_of(std::string_view address);

}  // namespace mxlab::spool
