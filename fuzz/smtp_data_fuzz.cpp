// libFuzzer: LineBuffer framing and DataReceiver un-stuffing over input split into arbitrary
// chunks. Byte 0 picks the line limit, byte 1 the chunk size. Checks: no crash, the receiver never
// stores more than its limit, and CRLF.CRLF smuggling variants never end the data early.
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "mta/protocol/dot_stuffing.hpp"
#include "mta/protocol/line_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mxlab::smtp;
  if (size < 2) return 0;
  const std::size_t max_line = 3 + data[0] * 4;
  const std::size_t chunk = 1 + data[1] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
  constexpr std::size_t kMaxData = 4096;

  LineBuffer buffer(max_line);
  DataReceiver receiver(kMaxData);
  bool in_data = true;
  std::string line;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    buffer.append(in.substr(pos, chunk));
    for (;;) {
      LineStatus st = buffer.next(line);
      if (st == LineStatus::NeedMore) break;
      if (st == LineStatus::TooLong) continue;
      if (line.size() > max_line) std::abort();
      if (in_data && receiver.feed_line(line, st)) {
        // Only a lone "." that ended in CRLF may end the data.
        if (line != "." || st != LineStatus::Line) std::abort();
        in_data = false;
        std::string body = receiver.take();
        if (body.size() > kMaxData) std::abort();
        receiver = DataReceiver(kMaxData);
        in_data = true;
      }
    }
    if (buffer.buffered() > in.size() + 1) std::abort();
  }
  (void)buffer.take_raw(std::min<std::size_t>(buffer.buffered(), 17));
  (void)dot_stuff(in);
  return 0;
}
