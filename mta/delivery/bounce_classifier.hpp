// Bounce classification with KumoMTA's class names: ordered regex rules over the one-line reply
// ("550 5.1.1 no such user"), first match wins; then the IANA enhanced status code table
// (RFC 3463, IANA smtp-enhanced-status-codes registry) as the default; then the reply class.
// Rules load from YAML through the strict config reader, so errors name file, line and key.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/config/mta_config.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::delivery {

// KumoMTA's pre-defined classes (crates/bounce-classify); rules may also name classes of their own.
enum class BounceClass {
  InvalidRecipient, DNSFailure, SpamBlock, SpamContent, ProhibitedAttachment, RelayDenied, AutoReply,
  TransientFailure, Subscribe, Unsubscribe, ChallengeResponse, BadConfiguration, BadConnection, BadDomain,
  ContentRelated, InactiveMailbox, InvalidSender, MessageExpired, NoAnswerFromHost, PolicyRelated,
  ProtocolErrors, QuotaIssues, RelayingIssues, RoutingErrors, SpamRelated, VirusRelated,
  AuthenticationFailed, Uncategorized,
};
std::string_view to_string(BounceClass c);
std::optional<BounceClass> parse_bounce_class(std::string_view name);  // exact, case-sensitive

// The default class for an enhanced status code, from the IANA registry's subject.detail;
// class 4 codes with no entry are TransientFailure, everything else Uncategorized.
BounceClass class_for_enhanced_code(const smtp::EnhancedCode& code);

struct BounceRule {
  std::string class_name;  // a BounceClass name or a user-defined one ("TooManyRecipients")
  std::string pattern;     // Perl-style regex, searched (not anchored) in the one-line reply
};

// The few text rules mxlab ships (block lists, relaying, quota wording...), applied after the
// configured rules and before the code table.
const std::vector<BounceRule>& builtin_rules();

class BounceClassifier {
 public:
  // Compiles the rules in order; an invalid regex is an error naming its index and pattern.
  static Expected<BounceClassifier> create(std::vector<BounceRule> rules, bool case_insensitive = true);
  // The configured rules followed by builtin_rules().
  static BounceClassifier with_defaults(std::vector<BounceRule> rules = {});
  // From mtad's bounce_rules section (regexes already checked by the config reader).
  static Expected<BounceClassifier> from_config(const config::BounceRulesConfig& config);

  // Classifies "CODE X.Y.Z text" (multi-line replies joined by spaces).
  std::string classify(const smtp::Reply& reply) const;
  std::string classify(int code, const std::optional<smtp::EnhancedCode>& enhanced, std::string_view text) const;
  // Classifies a line already in one-line form; the enhanced code is read from it when present.
  std::string classify_line(std::string_view line) const;

  std::size_t rule_count() const;

  BounceClassifier(BounceClassifier&&) noexcept;
  BounceClassifier& operator=(BounceClassifier&&) noexcept;
  ~BounceClassifier();

 private:
  struct Impl;
  explicit BounceClassifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// YAML shape (unknown keys are errors):
//   builtin_rules: true          # append builtin_rules() after these (default true)
//   case_insensitive: true       # default true
//   rules:
//     - class: SpamBlock
//       match: "spamhaus|barracuda"
//     - class: TooManyRecipients  # user-defined classes are allowed
//       match: "^452 4\\.5\\.3 "
Expected<BounceClassifier, config::ConfigError> load_bounce_rules_text(const std::string& yaml, const std::string& name);
Expected<BounceClassifier, config::ConfigError> load_bounce_rules_file(const std::string& path);

}  // namespace mxlab::delivery
