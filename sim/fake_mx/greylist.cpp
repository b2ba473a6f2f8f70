// Greylisting state (see greylist.hpp).
#include "sim/fake_mx/greylist.hpp"

namespace mxlab::fakemx {

bool Greylist::refuse(const GreylistOptions& o, const std::string& ip, const std::string& sender,
                      const std::string& rcpt) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = entries_.try_emplace({ip, sender, rcpt});
  Entry& e = it->second;
  if (fresh) e.first = clock_->now();
  if (e.passed) return false;
  bool waited = clock_->now() - e.first >= o.delay;
  if (!fresh && waited && e.refused >= o.attempts) {
    e.passed = true;
    return false;
  }
  ++e.refused;
  return true;
}

void Greylist::reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::size_t Greylist::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace mxlab::fakemx
