// libFuzzer: the DSN reader on any message, plus a build/parse round trip driven by the input:
// whatever diagnostic text and address the input supplies, the built DSN parses back with the
// same recipient count and statuses.
#include <cstdlib>
#include <string>

#include "mta/delivery/dsn.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mxlab::delivery;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_dsn(text);
  if (parsed.ok() && parsed->recipients.empty()) std::abort();

  // Round trip: split the input into original message | diagnostic | address.
  std::size_t a = text.find('\x01');
  std::size_t b = a == std::string_view::npos ? a : text.find('\x01', a + 1);
  if (b == std::string_view::npos) return 0;
  DsnRequest r;
  r.original_message = std::string(text.substr(0, a));
  r.envelope_sender = "sender@example.org";
  r.reporting_mta = "mtad.example.net";
  r.message_id = "fuzz@mtad.example.net";
  DsnRecipient rc;
  rc.diagnostic = std::string(text.substr(a + 1, b - a - 1));
  rc.final_recipient = std::string(text.substr(b + 1));
  rc.status = {5, 1, 1};
  r.recipients = {rc, rc};
  r.recipients[1].final_recipient = "second@example.com";
  auto dsn = build_dsn(r);
  if (!dsn) std::abort();
  auto back = parse_dsn(*dsn);
  if (!back.ok() || back->recipients.size() != 2 || back->recipients[0].status != "5.1.1" ||
      back->recipients[1].final_recipient != "second@example.com")
    std::abort();
  return 0;
}
