// libFuzzer: smtp::parse_command on any line. It must never crash; whatever parses must encode to
// one CRLF-terminated line that parses back to the same command (encoder and parser agree).
#include <cstdlib>
#include <string_view>

#include "mta/protocol/command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mxlab::smtp;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto c = parse_command(line);
  if (!c.ok()) {
    if (c.error().code < 400 || c.error().code > 599) std::abort();  // refusals are 4xx/5xx replies
    return 0;
  }
  std::string wire = encode(*c);
  if (wire.size() < 2 || !wire.ends_with("\r\n")) std::abort();
  auto back = parse_command(std::string_view(wire).substr(0, wire.size() - 2));
  if (!back.ok() || !(*back == *c)) std::abort();
  return 0;
}
