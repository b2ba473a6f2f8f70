// libFuzzer: the reply parser, fed line by line (ReplyParser) and whole (parse_reply). A reply that
// parses must encode to text that parses back to the same reply.
#include <cstdlib>
#include <string_view>

#include "mta/protocol/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mxlab::smtp;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ReplyParser parser;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto state = parser.feed(line);
    if (state == ReplyParser::State::Done) {
      Reply r = parser.take();
      auto back = parse_reply(r.encode());
      if (!back || !(*back == r)) std::abort();
    } else if (state == ReplyParser::State::Failed) {
      parser = ReplyParser{};
    }
    pos = end + 1;
  }
  (void)parse_reply(text);
  return 0;
}
