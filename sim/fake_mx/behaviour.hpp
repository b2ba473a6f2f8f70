// fakemx's behaviour model: rules that say how a fake MX reacts at a stage of the SMTP
// dialogue (a reply, a delay, a disconnect, silence), optionally only for matching senders or
// recipients and only for the first N matches (so "451 first, then 250" is one rule).
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mta/server/session_policy.hpp"

namespace mxlab::fakemx {

struct Rule {
  server::Stage stage = server::Stage::Rcpt;
  server::Action::Kind kind = server::Action::Kind::Reply;
  int code = 0;              // reply code for Reply / ReplyThenDisconnect
  std::string enhanced;      // "4.7.1" (optional)
  std::string text;          // reply text
  std::chrono::milliseconds delay{0};
  std::string match;         // substring of the sender/recipient/EHLO argument; empty = any
  int times = 0;             // apply to the first N matches only; 0 = always
};

// Parses "451 4.7.1 try later" into code, enhanced code and text.
std::optional<Rule> reply_rule(server::Stage stage, std::string_view reply_text);
std::optional<server::Stage> parse_stage(std::string_view name);  // "rcpt", "end_of_data", ...

// The SessionPolicy built from rules; thread-safe so rules can change while the host runs.
class RulePolicy final : public server::SessionPolicy {
 public:
  void set_rules(std::vector<Rule> rules);
  void add_rule(Rule rule);
  server::Action decide(const server::StageContext& ctx) override;

 private:
  struct Entry {
    Rule rule;
    int used = 0;
  };
  std::mutex mu_;
  std::vector<Entry> rules_;
};

}  // namespace mxlab::fakemx
