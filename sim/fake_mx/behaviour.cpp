// Rule matching for fake MX hosts (see behaviour.hpp).
#include "sim/fake_mx/behaviour.hpp"

#include <array>
#include <cctype>

#include "mta/protocol/reply.hpp"

namespace mxlab::fakemx {

using server::Action;
using server::Stage;

std::optional<Stage> parse_stage(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Stage>, 14> names{{
      {"connect", Stage::Connect}, {"banner", Stage::Connect}, {"ehlo", Stage::Ehlo}, {"helo", Stage::Helo},
      {"mail", Stage::Mail}, {"rcpt", Stage::Rcpt}, {"data", Stage::Data}, {"end_of_data", Stage::EndOfData},
      {"dot", Stage::EndOfData}, {"rset", Stage::Rset}, {"noop", Stage::Noop}, {"quit", Stage::Quit},
      {"vrfy", Stage::Vrfy}, {"starttls", Stage::Starttls}}};
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [n, s] : names)
    if (n == lower) return s;
  return std::nullopt;
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
}

void RulePolicy::add_rule(Rule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back({std::move(rule), 0});
}

Action RulePolicy::decide(const server::StageContext& ctx) {
  std::lock_guard lock(mu_);
  for (auto& e : rules_) {
    const Rule& r = e.rule;
    if (r.stage != ctx.stage) continue;
    if (!r.match.empty()) {
      bool hit = ctx.argument.find(r.match) != std::string::npos;
      if (!hit && ctx.transaction) {  // later stages match on the envelope
        hit = ctx.transaction->mail_from.find(r.match) != std::string::npos;
        for (const auto& rcpt : ctx.transaction->rcpt_to) hit = hit || rcpt.find(r.match) != std::string::npos;
      }
      if (!hit) continue;
    }
    if (r.times > 0 && e.used >= r.times) continue;
    ++e.used;
    Action a;
    a.kind = r.kind;
    a.delay = r.delay;
    if (r.code) a.reply = smtp::make_reply(r.code, r.enhanced, r.text);
    return a;
  }
  return {};
}

}  // namespace mxlab::fakemx
