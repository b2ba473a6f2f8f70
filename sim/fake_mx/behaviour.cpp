// Rule matching for fake MX hosts (see behaviour.hpp). Order of precedence at each stage:
// connection options (tarpit), the host's rules in order, address conventions, greylisting.
#include "sim/fake_mx/behaviour.hpp"

#include <array>
#include <cctype>

#include "mta/protocol/reply.hpp"

namespace mxlab::fakemx {

using server::Action;
using server::Stage;

namespace {
constexpr std::array<std::pair<std::string_view, Action::Kind>, 6> kKinds{{
    {"reply", Action::Kind::Reply},
    {"disconnect", Action::Kind::Disconnect},
    {"reply_then_disconnect", Action::Kind::ReplyThenDisconnect},
    {"no_answer", Action::Kind::NoAnswer},
    {"reset", Action::Kind::Reset},
    {"delay", Action::Kind::Proceed},
}};

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::optional<Stage> parse_stage(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Stage>, 15> names{{
      {"connect", Stage::Connect}, {"banner", Stage::Connect}, {"ehlo", Stage::Ehlo}, {"helo", Stage::Helo},
      {"mail", Stage::Mail}, {"rcpt", Stage::Rcpt}, {"data", Stage::Data}, {"end_of_data", Stage::EndOfData},
      {"dot", Stage::EndOfData}, {"rset", Stage::Rset}, {"noop", Stage::Noop}, {"quit", Stage::Quit},
      {"vrfy", Stage::Vrfy}, {"starttls", Stage::Starttls}, {"auth", Stage::Auth}}};
  const std::string l = lower(name);
  for (const auto& [n, s] : names)
    if (n == l) return s;
  return std::nullopt;
}

std::optional<Action::Kind> parse_action_kind(std::string_view name) {
  const std::string l = lower(name);
  for (const auto& [n, k] : kKinds)
    if (n == l) return k;
  return std::nullopt;
}

std::string_view action_kind_name(Action::Kind kind) {
  for (const auto& [n, k] : kKinds)
    if (k == kind) return n;
  return "?";
}

std::string action_kind_names() {
  std::string out;
  for (const auto& [n, k] : kKinds) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::optional<Rule> reply_rule(Stage stage, std::string_view text) {
  // "451 4.7.1 try later" -> code 451, enhanced "4.7.1", text "try later"
  if (text.size() < 3 || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  int code = std::stoi(std::string(text.substr(0, 3)));
  if (code < 200 || code > 599) return std::nullopt;
  Rule r;
  r.stage = stage;
  r.code = code;
  std::string_view rest = text.size() > 4 ? text.substr(4) : std::string_view();
  auto space = rest.find(' ');
  if (auto ec = smtp::EnhancedCode::parse(rest.substr(0, space)); ec && ec->cls == code / 100) {
    r.enhanced = ec->str();
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  r.text = std::string(rest);
  return r;
}

void RulePolicy::set_rules(std::vector<Rule> rules) {
  std::lock_guard lock(mu_);
  rules_.clear();
  for (auto& r : rules) rules_.push_back({std::move(r), 0});
  note_data_rules();
}

void RulePolicy::add_rule(Rule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back({std::move(rule), 0});
  note_data_rules();
}

void RulePolicy::note_data_rules() {
  bool any = false;
  for (const auto& e : rules_) any = any || e.rule.after_bytes.has_value();
  data_rules_.store(any, std::memory_order_relaxed);
}

std::vector<Rule> RulePolicy::rules() const {
  std::lock_guard lock(mu_);
  std::vector<Rule> out;
  for (const auto& e : rules_) out.push_back(e.rule);
  return out;
}

void RulePolicy::set_options(BehaviourOptions options) {
  std::lock_guard lock(mu_);
  options_ = std::move(options);
  rng_.seed(options_.seed);
}

BehaviourOptions RulePolicy::options() const {
  std::lock_guard lock(mu_);
  return options_;
}

void RulePolicy::reset_state() {
  std::lock_guard lock(mu_);
  for (auto& e : rules_) e.seen = 0;
  client_sessions_.clear();
  session_ordinal_.clear();
  mid_data_fired_.clear();
  rng_.seed(options_.seed);
}

void RulePolicy::set_observer(DecisionObserver observer) {
  std::lock_guard lock(mu_);
  observer_ = std::move(observer);
}

// Uniform in [0, 1) from the top 53 bits: the same sequence with every standard library.
double RulePolicy::draw() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

bool RulePolicy::applies(Entry& e, const server::StageContext& ctx, std::optional<std::size_t> bytes) {
  const Rule& r = e.rule;
  if (r.stage != ctx.stage) return false;
  if (r.after_bytes.has_value() != bytes.has_value()) return false;  // mid-DATA rules only mid-DATA
  if (bytes && *bytes < *r.after_bytes) return false;
  const server::Transaction* tx = ctx.transaction;
  if (!r.match.empty()) {
    bool hit = ctx.argument.find(r.match) != std::string::npos;
    if (!hit && tx) {  // later stages match on the envelope
      hit = tx->mail_from.find(r.match) != std::string::npos;
      for (const auto& rcpt : tx->rcpt_to) hit = hit || rcpt.find(r.match) != std::string::npos;
    }
    if (!hit) return false;
  }
  if (!r.sender.any()) {
    const std::string& from = ctx.stage == Stage::Mail ? ctx.argument : (tx ? tx->mail_from : ctx.argument);
    if (!r.sender.matches(from)) return false;
  }
  if (!r.recipient.any()) {
    bool hit = false;
    if (ctx.stage == Stage::Rcpt) {
      hit = r.recipient.matches(ctx.argument);
    } else if (tx) {
      for (const auto& rcpt : tx->rcpt_to) hit = hit || r.recipient.matches(rcpt);
    }
    if (!hit) return false;
  }
  if (r.session > 0 && ctx.session) {
    auto it = session_ordinal_.find(ctx.session->session_id);
    if (it == session_ordinal_.end() || it->second != r.session) return false;
  }
  ++e.seen;  // the n-th time this rule's match is seen: `skip` and `times` count these
  if (e.seen <= r.skip) return false;
  if (r.times > 0 && e.seen > r.skip + r.times) return false;
  if (r.probability < 1.0 && draw() >= r.probability) return false;
  return true;
}

std::optional<Action> RulePolicy::conventions(const server::StageContext& ctx) const {
  if (!options_.address_conventions) return std::nullopt;
  if (ctx.stage == Stage::Mail || ctx.stage == Stage::Rcpt) {
    std::string_view local = local_part(ctx.argument);
    if (ctx.stage == Stage::Rcpt && local.starts_with("data-")) return std::nullopt;  // fails at end of data
    return convention_action(local);
  }
  if (ctx.stage == Stage::EndOfData && ctx.transaction) {
    for (const auto& rcpt : ctx.transaction->rcpt_to) {
      std::string_view local = local_part(rcpt);
      if (!local.starts_with("data-")) continue;
      if (auto a = convention_action(local.substr(5))) return a;
    }
  }
  return std::nullopt;
}

Action RulePolicy::decide_locked(const server::StageContext& ctx, std::optional<std::size_t> bytes) {
  if (ctx.stage == Stage::Mail && ctx.session) mid_data_fired_.erase(ctx.session->session_id);
  if (ctx.stage == Stage::Connect && ctx.session && !bytes) {
    int n = ++client_sessions_[ctx.session->peer_address];
    session_ordinal_[ctx.session->session_id] = n;
    if (options_.tarpit) {
      Action a;
      a.kind = Action::Kind::NoAnswer;
      return a;
    }
  }
  for (auto& e : rules_) {
    if (!applies(e, ctx, bytes)) continue;
    const Rule& r = e.rule;
    Action a;
    a.kind = r.kind;
    a.delay = r.delay;
    if (r.code) a.reply = smtp::make_reply(r.code, r.enhanced, r.text);
    return a;
  }
  if (bytes) return {};
  if (auto a = conventions(ctx)) return *a;
  if (ctx.stage == Stage::Rcpt && options_.greylist.enabled && ctx.session) {
    const std::string sender = ctx.transaction ? ctx.transaction->mail_from : std::string();
    if (greylist_.refuse(options_.greylist, ctx.session->peer_address, sender, ctx.argument)) {
      Action a;
      a.kind = Action::Kind::Reply;
      auto r = reply_rule(Stage::Rcpt, options_.greylist.reply);
      a.reply = r ? smtp::make_reply(r->code, r->enhanced, r->text)
                  : smtp::make_reply(451, "4.7.1", "Greylisted, please try again later");
      return a;
    }
  }
  return {};
}

Action RulePolicy::decide(const server::StageContext& ctx) {
  std::lock_guard lock(mu_);
  Action a = decide_locked(ctx, std::nullopt);
  if (observer_) observer_(ctx, a);
  return a;
}

void RulePolicy::session_closed(const server::SessionInfo& session) {
  std::lock_guard lock(mu_);
  session_ordinal_.erase(session.session_id);
  mid_data_fired_.erase(session.session_id);
}

Action RulePolicy::decide_data(const server::StageContext& ctx, std::size_t bytes_received) {
  // Asked after every line of every message: without a mid-DATA rule, answer without the lock.
  if (!data_rules_.load(std::memory_order_relaxed)) return {};
  std::lock_guard lock(mu_);
  const std::string id = ctx.session ? ctx.session->session_id : std::string();
  // One mid-DATA action per transaction: the engine asks after every line.
  if (mid_data_fired_.contains(id)) return {};
  Action a = decide_locked(ctx, bytes_received);
  if (a.kind != Action::Kind::Proceed) {
    mid_data_fired_.insert(id);
    if (observer_) observer_(ctx, a);
  }
  return a;
}

}  // namespace mxlab::fakemx
