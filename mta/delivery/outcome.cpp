// Scope rules for delivery failures (see outcome.hpp and RFC 5321 section 4.2.5 / 6.1).
#include "mta/delivery/outcome.hpp"

#include <array>

namespace mxlab::delivery {

std::string_view to_string(ClientStage s) {
  static constexpr std::array<std::string_view, 9> names{"connect", "banner", "ehlo",        "starttls", "mail",
                                                         "rcpt",    "data",   "end_of_data", "done"};
  return names[static_cast<std::size_t>(s)];
}

std::string_view to_string(Scope s) {
  switch (s) {
    case Scope::Session: return "session";
    case Scope::Site: return "site";
    case Scope::Message: return "message";
    case Scope::Recipient: return "recipient";
  }
  return "?";
}

Scope scope_of(ClientStage stage) {
  switch (stage) {
    case ClientStage::Connect:
    case ClientStage::Banner:
    case ClientStage::Ehlo:
    case ClientStage::Starttls: return Scope::Site;
    case ClientStage::Rcpt: return Scope::Recipient;
    default: return Scope::Message;
  }
}

smtp::Reply synthetic_reply(std::string_view enhanced, std::string text) {
  return smtp::make_reply(451, enhanced, text);
}

}  // namespace mxlab::delivery
