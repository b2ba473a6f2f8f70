// mtad's inbound session policy: while inbound SMTP is paused (smtpctl "pause smtp"), a new
// session is greeted with 421 4.3.2 and closed (RFC 5321 3.8: 421 may be sent at any time
// when the service must close). Sessions already open carry on. MAIL is refused with the spool
// guard's 451 4.3.1 while the spool could not store new mail.
#pragma once
#include <atomic>
#include <string>

#include "mta/core/spool_guard.hpp"
#include "mta/server/session_policy.hpp"

namespace mxlab::core {

class PausePolicy final : public server::SessionPolicy {
 public:
  explicit PausePolicy(std::string hostname, const SpoolGuard* guard = nullptr)
      : hostname_(std::move(hostname)), guard_(guard) {}
  server::Action decide(const server::StageContext& ctx) override {
    if (ctx.stage == server::Stage::Mail && guard_) {
      if (auto refusal = guard_->refusal()) return {server::Action::Kind::Reply, std::move(*refusal)};
    }
    if (ctx.stage != server::Stage::Connect || !paused_.load()) return {};
    server::Action a;
    a.kind = server::Action::Kind::ReplyThenDisconnect;
    a.reply = smtp::make_reply(421, "4.3.2", hostname_ + " Service paused, try again later");
    return a;
  }
  void set_paused(bool p) { paused_ = p; }
  bool paused() const { return paused_.load(); }

 private:
  std::string hostname_;
  const SpoolGuard* guard_;
  std::atomic<bool> paused_{false};
};

}  // namespace mxlab::core
