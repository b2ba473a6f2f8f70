// Address matchers and local-part conventions (see address_match.hpp).
#include "sim/fake_mx/address_match.hpp"

#include <cctype>

namespace mxlab::fakemx {

namespace {
std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

server::Action reply_action(int code, std::string_view enhanced, std::string_view text) {
  server::Action a;
  a.kind = code == 421 ? server::Action::Kind::ReplyThenDisconnect : server::Action::Kind::Reply;
  a.reply = smtp::make_reply(code, enhanced, text);
  return a;
}
}  // namespace

std::optional<AddressMatch> AddressMatch::parse(std::string_view spec, std::string* error) {
  AddressMatch m;
  m.spec_ = std::string(spec);
  if (spec.empty()) return m;
  if (spec.size() >= 2 && spec.front() == '/' && spec.back() == '/') {
    try {
      m.regex_ = std::make_shared<const std::regex>(std::string(spec.substr(1, spec.size() - 2)),
                                                    std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      if (error) *error = std::string("bad regular expression: ") + e.what();
      return std::nullopt;
    }
    m.kind_ = Kind::Regex;
    return m;
  }
  auto at = spec.find('@');
  if (at == 0) {
    m.kind_ = Kind::Domain, m.value_ = lower(spec.substr(1));
  } else if (at == std::string_view::npos) {
    m.kind_ = Kind::Domain, m.value_ = lower(spec);
  } else {
    m.kind_ = Kind::Exact, m.value_ = lower(spec);
  }
  return m;
}

bool AddressMatch::matches(std::string_view address) const {
  switch (kind_) {
    case Kind::Any: return true;
    case Kind::Exact: return lower(address) == value_;
    case Kind::Domain: {
      auto at = address.rfind('@');
      return at != std::string_view::npos && lower(address.substr(at + 1)) == value_;
    }
    case Kind::Regex: return std::regex_search(address.begin(), address.end(), *regex_);
  }
  return false;
}

std::string_view local_part(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? address : address.substr(0, at);
}

std::optional<server::Action> convention_action(std::string_view local_in) {
  const std::string local = lower(local_in);
  if (local == "tempfail") return reply_action(451, "4.3.0", "Temporary failure requested by the address");
  if (local == "permfail") return reply_action(550, "5.0.0", "Permanent failure requested by the address");
  if (local == "full") return reply_action(452, "4.2.2", "Mailbox full");
  if (local == "timeout") {
    server::Action a;
    a.kind = server::Action::Kind::NoAnswer;
    return a;
  }
  // NNN-anything: a reply code 200-599 then '-' (KumoMTA sink's "450-x", "550-x", "421-x").
  if (local.size() >= 4 && local[3] == '-' && std::isdigit(static_cast<unsigned char>(local[0])) &&
      std::isdigit(static_cast<unsigned char>(local[1])) && std::isdigit(static_cast<unsigned char>(local[2]))) {
    int code = std::stoi(local.substr(0, 3));
    if (code < 200 || code > 599) return std::nullopt;
    std::string enhanced = std::to_string(code / 100) + ".0.0";
    if (code < 400) enhanced.clear();
    return reply_action(code, enhanced, "Reply " + std::to_string(code) + " requested by the address");
  }
  return std::nullopt;
}

}  // namespace mxlab::fakemx
