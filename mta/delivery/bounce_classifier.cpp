// Bounce classification (see bounce_classifier.hpp). Regexes are Boost.Regex (Perl syntax,
// non-recursive matcher) so a long or hostile reply cannot exhaust the stack.
#include "mta/delivery/bounce_classifier.hpp"

#include <boost/regex.hpp>

#include <array>
#include <utility>

#include "mta/config/yaml_reader.hpp"

namespace mxlab::delivery {

namespace {

constexpr std::array<std::string_view, 28> kNames = {
    "InvalidRecipient", "DNSFailure", "SpamBlock", "SpamContent", "ProhibitedAttachment", "RelayDenied",
    "AutoReply", "TransientFailure", "Subscribe", "Unsubscribe", "ChallengeResponse", "BadConfiguration",
    "BadConnection", "BadDomain", "ContentRelated", "InactiveMailbox", "InvalidSender", "MessageExpired",
    "NoAnswerFromHost", "PolicyRelated", "ProtocolErrors", "QuotaIssues", "RelayingIssues", "RoutingErrors",
    "SpamRelated", "VirusRelated", "AuthenticationFailed", "Uncategorized",
};

using C = BounceClass;
struct CodeRow {
  int subject, detail;
  BounceClass cls;
};
// IANA "Enumerated Status Codes": subject.detail -> class. Subjects (RFC 3463 section 3):
// 1 addressing, 2 mailbox, 3 mail system, 4 network/routing, 5 protocol, 6 content, 7 policy.
constexpr CodeRow kCodeTable[] = {
    {1, 0, C::InvalidRecipient},  {1, 1, C::InvalidRecipient},   {1, 2, C::BadDomain},
    {1, 3, C::InvalidRecipient},  {1, 4, C::InvalidRecipient},   {1, 6, C::InvalidRecipient},
    {1, 7, C::InvalidSender},     {1, 8, C::InvalidSender},      {1, 10, C::BadDomain},
    {1, 11, C::InvalidSender},    {2, 0, C::InactiveMailbox},    {2, 1, C::InactiveMailbox},
    {2, 2, C::QuotaIssues},       {2, 3, C::QuotaIssues},        {2, 4, C::InvalidRecipient},
    {3, 0, C::BadConfiguration},  {3, 1, C::QuotaIssues},        {3, 2, C::BadConnection},
    {3, 3, C::BadConfiguration},  {3, 4, C::QuotaIssues},        {3, 5, C::BadConfiguration},
    {4, 0, C::RoutingErrors},     {4, 1, C::NoAnswerFromHost},   {4, 2, C::BadConnection},
    {4, 3, C::DNSFailure},        {4, 4, C::RoutingErrors},      {4, 5, C::TransientFailure},
    {4, 6, C::RoutingErrors},     {4, 7, C::MessageExpired},     {5, 0, C::ProtocolErrors},
    {5, 1, C::ProtocolErrors},    {5, 2, C::ProtocolErrors},     {5, 3, C::ProtocolErrors},
    {5, 4, C::ProtocolErrors},    {5, 5, C::ProtocolErrors},     {5, 6, C::ProtocolErrors},
    {6, 0, C::ContentRelated},    {6, 1, C::ContentRelated},     {6, 2, C::ContentRelated},
    {6, 3, C::ContentRelated},    {6, 4, C::ContentRelated},     {6, 5, C::ContentRelated},
    {6, 6, C::ContentRelated},    {6, 7, C::ProtocolErrors},     {6, 8, C::ProtocolErrors},
    {6, 9, C::ContentRelated},    {6, 10, C::ProtocolErrors},    {7, 0, C::PolicyRelated},
    {7, 1, C::PolicyRelated},     {7, 2, C::PolicyRelated},      {7, 3, C::PolicyRelated},
    {7, 4, C::PolicyRelated},     {7, 5, C::PolicyRelated},      {7, 6, C::PolicyRelated},
    {7, 7, C::PolicyRelated},     {7, 8, C::AuthenticationFailed}, {7, 9, C::AuthenticationFailed},
    {7, 10, C::PolicyRelated},    {7, 11, C::AuthenticationFailed}, {7, 12, C::AuthenticationFailed},
    {7, 13, C::InactiveMailbox},  {7, 14, C::PolicyRelated},     {7, 15, C::PolicyRelated},
    {7, 16, C::PolicyRelated},    {7, 17, C::InvalidRecipient},  {7, 18, C::BadDomain},
    {7, 19, C::PolicyRelated},    {7, 20, C::AuthenticationFailed}, {7, 21, C::AuthenticationFailed},
    {7, 22, C::AuthenticationFailed}, {7, 23, C::AuthenticationFailed}, {7, 24, C::AuthenticationFailed},
    {7, 25, C::PolicyRelated},    {7, 26, C::AuthenticationFailed}, {7, 27, C::InvalidSender},
    {7, 28, C::SpamRelated},      {7, 29, C::AuthenticationFailed}, {7, 30, C::PolicyRelated},
};

// Replies longer than this are classified on their start: the class words come first in practice,
// and it bounds the regex work per reply.
constexpr std::size_t kMaxClassifiedLength = 2048;

}  // namespace

std::string_view to_string(BounceClass c) { return kNames[static_cast<std::size_t>(c)]; }

std::optional<BounceClass> parse_bounce_class(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<BounceClass>(i);
  return std::nullopt;
}

BounceClass class_for_enhanced_code(const smtp::EnhancedCode& code) {
  if (code.cls == 4 || code.cls == 5)
    for (const auto& row : kCodeTable)
      if (row.subject == code.subject && row.detail == code.detail) return row.cls;
  return code.cls == 4 ? BounceClass::TransientFailure : BounceClass::Uncategorized;
}

const std::vector<BounceRule>& builtin_rules() {
  static const std::vector<BounceRule> kRules = {
      {"SpamBlock", R"(\b(spamhaus|spamcop|barracuda|sorbs|dnsbl|rbl|block ?list(ed)?|black ?list(ed)?)\b)"},
      {"VirusRelated", R"(\b(virus|malware|infected)\b)"},
      {"SpamContent", R"(\b(looks like spam|spam content|content .{0,40}spam|identified as spam)\b)"},
      {"RelayingIssues", R"(\b(relay(ing)? (access )?(denied|not permitted|not allowed|prohibited)|we do not relay)\b)"},
      {"QuotaIssues", R"(\b(over ?quota|quota exceeded|(mailbox|inbox|storage) (is )?full|insufficient (system )?storage)\b)"},
      {"InvalidRecipient",
       R"(\b(user unknown|unknown user|no such (user|mailbox|recipient)|(mailbox|recipient|address) (unavailable|not found|does not exist))\b)"},
      {"AuthenticationFailed", R"(\b(dmarc|dkim|spf)\b.{0,40}\b(fail(ed|ure)?|reject(ed)?)\b)"},
  };
  return kRules;
}

struct BounceClassifier::Impl {
  std::vector<std::pair<std::string, boost::regex>> rules;
};

BounceClassifier::BounceClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BounceClassifier::BounceClassifier(BounceClassifier&&) noexcept = default;
BounceClassifier& BounceClassifier::operator=(BounceClassifier&&) noexcept = default;
BounceClassifier::~BounceClassifier() = default;

Expected<BounceClassifier> BounceClassifier::create(std::vector<BounceRule> rules, bool case_insensitive) {
  auto impl = std::make_unique<Impl>();
  auto flags = boost::regex::perl | (case_insensitive ? boost::regex::icase : boost::regex::perl);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].class_name.empty()) return unexpected("rule " + std::to_string(i) + ": empty class name");
    try {
      impl->rules.emplace_back(std::move(rules[i].class_name), boost::regex(rules[i].pattern, flags));
    } catch (const boost::regex_error& e) {
      return unexpected("rule " + std::to_string(i) + ": bad regex '" + rules[i].pattern + "': " + e.what());
    }
  }
  return BounceClassifier(std::move(impl));
}

BounceClassifier BounceClassifier::with_defaults(std::vector<BounceRule> rules) {
  const auto& builtin = builtin_rules();
  rules.insert(rules.end(), builtin.begin(), builtin.end());
  auto c = create(std::move(rules));
  if (!c.ok()) return create(builtin_rules()).value();  // the built-ins always compile (tested)
  return std::move(c).value();
}

Expected<BounceClassifier> BounceClassifier::from_config(const config::BounceRulesConfig& config) {
  std::vector<BounceRule> rules;
  for (const auto& r : config.rules) rules.push_back({r.class_name, r.match});
  if (config.builtin_rules) {
    const auto& b = builtin_rules();
    rules.insert(rules.end(), b.begin(), b.end());
  }
  return create(std::move(rules), config.case_insensitive);
}

std::size_t BounceClassifier::rule_count() const { return impl_->rules.size(); }

std::string BounceClassifier::classify(const smtp::Reply& reply) const {
  std::string text;
  for (const auto& l : reply.lines) text += (text.empty() ? "" : " ") + l;
  return classify(reply.code, reply.enhanced, text);
}

std::string BounceClassifier::classify(int code, const std::optional<smtp::EnhancedCode>& enhanced,
                                       std::string_view text) const {
  std::string line = std::to_string(code);
  if (enhanced) line += " " + enhanced->str();
  line += " ";
  line += text.substr(0, kMaxClassifiedLength);
  for (char& c : line)
    if (c == '\r' || c == '\n') c = ' ';
  for (const auto& [name, re] : impl_->rules) {
    try {
      if (boost::regex_search(line, re)) return name;
    } catch (const std::runtime_error&) {
      // Boost gives up on pathological patterns (complexity limit); the rule simply does not match.
    }
  }
  if (code < 400 || code > 599) return std::string(to_string(BounceClass::Uncategorized));
  if (enhanced && enhanced->cls == code / 100) return std::string(to_string(class_for_enhanced_code(*enhanced)));
  return std::string(to_string(code < 500 ? BounceClass::TransientFailure : BounceClass::Uncategorized));
}

std::string BounceClassifier::classify_line(std::string_view line) const {
  int code = 0;
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] >= '0' && line[i] <= '9') code = code * 10 + (line[i++] - '0');
  if (i != 3) return classify(0, std::nullopt, line);
  std::string_view rest = line.substr(i);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '-')) rest.remove_prefix(1);
  std::size_t sp = rest.find(' ');
  auto enhanced = smtp::EnhancedCode::parse(rest.substr(0, sp));
  if (enhanced) rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  return classify(code, enhanced, rest);
}

namespace {

Expected<BounceClassifier, config::ConfigError> load(const std::function<std::optional<config::ConfigError>(
                                                         const std::function<void(config::yaml::Reader&)>&)>& read) {
  config::BounceRulesConfig rules;
  if (auto error = read([&](config::yaml::Reader& r) { config::read_bounce_rules(r, rules); }))
    return unexpected(std::move(*error));
  auto c = BounceClassifier::from_config(rules);
  if (!c.ok()) return unexpected(config::ConfigError{"", 0, "rules", c.error()});
  return std::move(c).value();
}

}  // namespace

Expected<BounceClassifier, config::ConfigError> load_bounce_rules_text(const std::string& yaml, const std::string& name) {
  return load([&](const auto& fill) { return config::yaml::read_text(yaml, name, fill); });
}

Expected<BounceClassifier, config::ConfigError> load_bounce_rules_file(const std::string& path) {
  return load([&](const auto& fill) { return config::yaml::read_file(path, fill); });
}

}  // namespace mxlab::delivery
