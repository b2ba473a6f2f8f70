// libFuzzer: the flow tracer's log line parsers (mtad JSON records, Postfix syslog lines) and the
// header reader, line by line. Any input must parse or be refused without crashing; a parsed
// event always names the queue id it is about.
#include <cstdlib>
#include <string_view>

#include "mta/flow/flow_event.hpp"
#include "mta/protocol/message_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mxlab::smtp::header_value(text, "Message-ID");
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    auto e = mxlab::flow::parse_log_line(text.substr(pos, end - pos), "fuzz", 2025);
    if (e && e->queue_id.empty()) std::abort();
    pos = end + 1;
  }
  return 0;
}
