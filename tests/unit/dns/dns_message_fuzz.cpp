// libFuzzer entry for the DNS codec: any input must parse or fail cleanly, and whatever parses
// must re-encode (whole, and truncated to 512 octets) into something that parses back the same.
#include <cstdlib>

#include "mta/dns/dns_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mxlab::dns;
  auto m = parse_message(std::span(data, size));
  if (!m.ok()) return 0;
  auto wire = encode_message(*m);
  if (!wire.ok()) std::abort();
  auto back = parse_message(*wire);
  if (!back.ok() || back->answers != m->answers || back->questions != m->questions) std::abort();
  if (auto small = encode_message(*m, kMaxUdpPayload); small.ok() && (small->size() > kMaxUdpPayload || !parse_message(*small).ok()))
    std::abort();
  return 0;
}
