// fakemx's behaviour model: rules that say how a fake MX reacts at a stage of the SMTP dialogue
// (a reply, possibly multiline, a delay, a disconnect, a reset, silence), for matching senders
// and recipients, on chosen attempts, with a probability drawn from a seeded RNG so a run is
// reproducible. Below the rules: the address conventions, then greylisting.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mta/server/session_policy.hpp"
#include "sim/fake_mx/address_match.hpp"
#include "sim/fake_mx/greylist.hpp"

namespace mxlab::fakemx {

struct Rule {
  server::Stage stage = server::Stage::Rcpt;
  server::Action::Kind kind = server::Action::Kind::Reply;
  int code = 0;              // reply code for Reply / ReplyThenDisconnect
  std::string enhanced{};    // "4.7.1" (optional)
  std::string text{};        // reply text; '\n' separates the lines of a multiline reply
  std::chrono::milliseconds delay{0};
  std::string match{};       // substring of the sender/recipient/EHLO argument; empty = any
  int times = 0;             // apply to the first N matches only (after `skip`); 0 = always
  AddressMatch sender{};     // MAIL FROM address (at RCPT and later: the transaction's sender)
  AddressMatch recipient{};  // RCPT TO address (at DATA and later: any recipient of the transaction)
  int skip = 0;              // let the first N matches pass untouched ("fail from the 3rd attempt")
  int session = 0;           // only in the client's N-th session with this host (1-based); 0 = any
  double probability = 1.0;  // of applying when everything else matches; drawn from the host's seeded RNG
  // Stage data only: act while the message arrives, once this many bytes came in (abort mid-DATA).
  std::optional<std::size_t> after_bytes{};
};

// Parses "451 4.7.1 try later" into code, enhanced code and text.
std::optional<Rule> reply_rule(server::Stage stage, std::string_view reply_text);
std::optional<server::Stage> parse_stage(std::string_view name);  // "rcpt", "end_of_data", ...
std::optional<server::Action::Kind> parse_action_kind(std::string_view name);  // "reply", "reset", ...
std::string_view action_kind_name(server::Action::Kind kind);
std::string action_kind_names();  // "reply, disconnect, ..." for error messages

// Host-wide behaviour below the rules.
struct BehaviourOptions {
  std::uint64_t seed = 1;            // the RNG behind Rule::probability
  bool address_conventions = true;   // tempfail/permfail/full/timeout/NNN-x local parts (KumoMTA sink, mox)
  bool tarpit = false;               // accept connections, never send the banner
  GreylistOptions greylist;
};

// Observes every decision (for the recorder): the context and the action taken.
using DecisionObserver = std::function<void(const server::StageContext&, const server::Action&)>;

// The SessionPolicy built from rules; thread-safe so rules can change while the host runs.
class RulePolicy final : public server::SessionPolicy {
 public:
  explicit RulePolicy(const Clock& clock = SystemClock::instance()) : greylist_(clock) {}
  void set_rules(std::vector<Rule> rules);
  void add_rule(Rule rule);
  std::vector<Rule> rules() const;
  void set_options(BehaviourOptions options);  // reseeds the RNG
  BehaviourOptions options() const;
  void reset_greylist() { greylist_.reset(); }
  // Forgets match counts, client session counts and reseeds: the next run repeats the last.
  void reset_state();
  void set_observer(DecisionObserver observer);

  server::Action decide(const server::StageContext& ctx) override;
  server::Action decide_data(const server::StageContext& ctx, std::size_t bytes_received) override;
  void session_closed(const server::SessionInfo& session) override;

 private:
  struct Entry {
    Rule rule;
    int seen = 0;
  };
  server::Action decide_locked(const server::StageContext& ctx, std::optional<std::size_t> bytes);
  bool applies(Entry& e, const server::StageContext& ctx, std::optional<std::size_t> bytes);
  std::optional<server::Action> conventions(const server::StageContext& ctx) const;
  double draw();
  void note_data_rules();  // mu_ held: refreshes data_rules_

  mutable std::mutex mu_;
  std::vector<Entry> rules_;
  BehaviourOptions options_;
  std::mt19937_64 rng_{1};
  Greylist greylist_;
  std::unordered_map<std::string, int> client_sessions_;  // client IP -> sessions seen
  // Per open session (dropped by session_closed): the client's n-th session, and whether a
  // mid-DATA rule already acted in the current transaction.
  std::unordered_map<std::string, int> session_ordinal_;
  std::unordered_set<std::string> mid_data_fired_;
  DecisionObserver observer_;
  std::atomic<bool> data_rules_{false};  // some rule has after_bytes (decide_data's fast path)
};

}  // namespace mxlab::fakemx
