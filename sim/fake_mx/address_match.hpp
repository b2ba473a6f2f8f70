// Address matchers for fakemx rules (exact address, domain, regex) and the address conventions
// shared with KumoMTA's sink and mox localserve: a local part asks for a reply ("tempfail",
// "permfail", "full", "timeout", "NNN-anything"). Pure: no sockets, no state.
#pragma once
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "mta/server/session_policy.hpp"

namespace mxlab::fakemx {

// One matcher. The written form (YAML, Python, HTTP) is a string:
//   ""                  any address
//   "alice@example.com" that exact address (case-insensitive)
//   "@example.com" or "example.com"   any address in that domain (case-insensitive)
//   "/^bob\\+.*@/"      an ECMAScript regular expression between slashes (case-insensitive)
class AddressMatch {
 public:
  enum class Kind { Any, Exact, Domain, Regex };
  AddressMatch() = default;
  // Nullopt (with `error` filled) for a regex that does not compile.
  static std::optional<AddressMatch> parse(std::string_view spec, std::string* error = nullptr);
  bool matches(std::string_view address) const;
  bool any() const { return kind_ == Kind::Any; }
  Kind kind() const { return kind_; }
  const std::string& spec() const { return spec_; }

 private:
  Kind kind_ = Kind::Any;
  std::string spec_, value_;
  std::shared_ptr<const std::regex> regex_;
};

// The local part of an address ("bob" for "bob@example.com", the whole text without '@').
std::string_view local_part(std::string_view address);

// What a conventional local part asks for (checked for recipients at RCPT and senders at MAIL;
// a "data-" prefix moves a recipient's fault to the end of data). Nullopt: not conventional.
//   tempfail -> 451 4.3.0   permfail -> 550 5.0.0   full -> 452 4.2.2
//   timeout  -> never answer   NNN-anything -> NNN (421 also closes the connection)
std::optional<server::Action> convention_action(std::string_view local);

}  // namespace mxlab::fakemx
