// Selectors and rule sets for admin bounces and suspensions (see admin_rules.hpp).
#include "mta/queue/admin_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "mta/common/ids.hpp"
#include "mta/queue/queue_names.hpp"

namespace mxlab::queue {

namespace {
std::string meta_of(const std::map<std::string, std::string>& meta, const char* key) {
  auto it = meta.find(key);
  return it == meta.end() ? std::string() : it->second;
}

bool same_domain(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

bool Selector::matches(std::string_view dom, const std::map<std::string, std::string>& meta) const {
  if (everything) return true;
  if (!queue_names.empty()) {
    auto name = scheduled_queue_name(dom, meta);
    return std::find(queue_names.begin(), queue_names.end(), name) != queue_names.end();
  }
  if (domain && !same_domain(*domain, dom)) return false;
  if (routing_domain && !same_domain(*routing_domain, meta_of(meta, "routing_domain"))) return false;
  if (campaign && *campaign != meta_of(meta, "campaign")) return false;
  if (tenant && *tenant != meta_of(meta, "tenant")) return false;
  return domain || routing_domain || campaign || tenant;
}

Status validate(const Selector& s) {
  bool fields = s.domain || s.routing_domain || s.campaign || s.tenant;
  if (!s.queue_names.empty() && fields) {
    return Status::failure("queue_names cannot be combined with domain, routing_domain, campaign or tenant");
  }
  if (s.everything && (fields || !s.queue_names.empty())) {
    return Status::failure("everything cannot be combined with other criteria");
  }
  if (!s.everything && !fields && s.queue_names.empty()) {
    return Status::failure("no criteria: give domain, routing_domain, campaign, tenant, queue_names or everything");
  }
  return Status::success();
}

std::string_view to_string(RuleKind k) {
  switch (k) {
    case RuleKind::Bounce: return "bounce";
    case RuleKind::Suspend: return "suspend";
    case RuleKind::SuspendReady: return "suspend-ready-q";
  }
  return "?";
}

bool RuleSet::cancel(std::string_view id) {
  auto it = std::find_if(rules_.begin(), rules_.end(), [&](const AdminRule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

std::size_t RuleSet::expire(TimePoint now) {
  return std::erase_if(rules_, [now](const AdminRule& r) { return r.expires <= now; });
}

AdminRule* RuleSet::match(std::string_view domain, const std::map<std::string, std::string>& meta, TimePoint now) {
  for (auto& r : rules_)
    if (r.expires > now && r.selector.matches(domain, meta)) return &r;
  return nullptr;
}

bool RuleSet::covers(std::string_view domain, const std::map<std::string, std::string>& meta, TimePoint now) const {
  for (const auto& r : rules_)
    if (r.expires > now && r.selector.matches(domain, meta)) return true;
  return false;
}

AdminRule* RuleSet::find(std::string_view id) {
  for (auto& r : rules_)
    if (r.id == id) return &r;
  return nullptr;
}

std::optional<TimePoint> RuleSet::next_expiry() const {
  std::optional<TimePoint> out;
  for (const auto& r : rules_)
    if (!out || r.expires < *out) out = r.expires;
  return out;
}

std::string make_rule_id() {
  std::uint32_t w[4] = {random_u32(), random_u32(), random_u32(), random_u32()};
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u;  // version 4 (RFC 9562 section 5.4)
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff, w[2] >> 16,
                w[2] & 0xffff, w[3]);
  return buf;
}

}  // namespace mxlab::queue
