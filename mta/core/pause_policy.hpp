// mtad's inbound session policy: while inbound SMTP is paused (smtpctl "pause smtp"), a new
// session is greeted with 421 4.3.2 and closed (RFC 5321 3.8: 421 may be sent at any time
// when the service must close). Sessions already open carry on.
#pragma once
#include <atomic>
#include <string>

#include "mta/server/session_policy.hpp"

namespace mxlab::core {

class PausePolicy final : public server::SessionPolicy {
 public:
  explicit PausePolicy(std::string hostname) : hostname_(std::move(hostname)) {}
  server::Action decide(const server::StageContext& ctx) override {
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
  std::atomic<bool> paused_{false};
};

}  // namespace mxlab::core
