// Operator rules over the scheduled queues: admin bounces and suspensions (KumoMTA's
// /api/admin/bounce/v1 and /api/admin/suspend/v1). Pure: a selector matches a (domain, meta)
// pair; a RuleSet holds the active rules and drops them at expiry. No I/O, no clock of its own.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/expected.hpp"

namespace mxlab::queue {

// Which queued mail a rule covers. Absent fields match anything; queue_names lists scheduled
// queue names exactly ("campaign:tenant@domain!routing_domain") and excludes the four fields.
struct Selector {
  std::optional<std::string> domain, routing_domain, campaign, tenant;
  std::vector<std::string> queue_names;
  bool everything = false;

  bool matches(std::string_view domain, const std::map<std::string, std::string>& meta) const;
};

// A selector must name something or say `everything`; queue names exclude the field criteria.
Status validate(const Selector& s);

// SuspendReady: KumoMTA's suspend-ready-q, over one ready queue (`ready_queue`), not a selector.
enum class RuleKind { Bounce, Suspend, SuspendReady };
std::string_view to_string(RuleKind k);

struct AdminRule {
  std::string id;  // UUID, as KumoMTA
  RuleKind kind = RuleKind::Bounce;
  Selector selector;
  std::string ready_queue;  // SuspendReady: "source->site@smtp_client"
  std::string reason;
  TimePoint expires{};
  bool suppress_logging = false;
  std::map<std::string, std::uint64_t> bounced;  // envelopes bounced, by scheduled queue
  std::uint64_t total_bounced = 0;
  std::uint64_t in_flight = 0;  // matching envelopes mid-attempt when created: bounced after it
};

class RuleSet {
 public:
  AdminRule& add(AdminRule rule) {
    rules_.push_back(std::move(rule));
    return rules_.back();
  }
  bool cancel(std::string_view id);
  // Drops rules whose expiry has passed; returns how many were dropped.
  std::size_t expire(TimePoint now);
  // The first active rule covering (domain, meta), or null.
  AdminRule* match(std::string_view domain, const std::map<std::string, std::string>& meta, TimePoint now);
  bool covers(std::string_view domain, const std::map<std::string, std::string>& meta, TimePoint now) const;
  AdminRule* find(std::string_view id);
  const std::vector<AdminRule>& rules() const { return rules_; }
  std::optional<TimePoint> next_expiry() const;

 private:
  std::vector<AdminRule> rules_;
};

// KumoMTA's rebind: matching messages get `data` merged into their metadata (tenant, campaign,
// routing_domain and any other key), which moves them to another scheduled queue when a queue
// part changed; moved messages (and with always_flush every matched one) are due at once.
struct RebindRequest {
  Selector selector;
  std::string reason;
  std::map<std::string, std::string> data;
  bool always_flush = false;
  bool suppress_logging = false;
};
struct RebindResult {
  std::uint64_t matched = 0;  // messages with a pending envelope the selector covers
  std::uint64_t moved = 0;    // of those, messages whose scheduled queue changed
  std::uint64_t flushed = 0;  // pending envelopes made due now
};

// A random (version 4) UUID in its canonical text form.
std::string make_rule_id();

}  // namespace mxlab::queue
