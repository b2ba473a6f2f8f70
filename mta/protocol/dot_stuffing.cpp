// DATA transparency (RFC 5321 4.5.2) in both directions. The sender side normalises every line
// end to CRLF so that the only "." line on the wire is the terminator; the receiver side accepts
// the end of data only after CRLF "." CRLF, closing the smuggling gaps of bare LF / bare CR.
#include "mta/protocol/dot_stuffing.hpp"

namespace mxlab::smtp {

std::string dot_stuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 5);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (line_start && c == '.') out += '.';  // 4.5.2: double a leading dot
    line_start = false;
    if (c == '\r' || c == '\n') {
      // CRLF, bare LF and bare CR all become one CRLF (2.3.8: no bare CR or LF on the wire).
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += c;
  }
  if (!line_start) out += "\r\n";  // 4.1.1.4: the terminator must follow a CRLF
  out += ".\r\n";
  return out;
}

bool DataReceiver::feed_line(std::string_view line) { return feed_line(line, LineStatus::Line); }

bool DataReceiver::feed_line(std::string_view line, LineStatus ending) {
  bool crlf = ending != LineStatus::BareLf;
  bool after_crlf = prev_crlf_;
  prev_crlf_ = crlf;
  if (line == ".") {
    if (crlf && after_crlf) {
      prev_crlf_ = true;  // ready for the next transaction on this receiver
      return true;
    }
    // A lone "." not framed by CRLF on both sides is data; it was never stuffed, so keep it.
  } else if (line.starts_with('.')) {
    line.remove_prefix(1);  // 4.5.2: remove exactly one leading dot
  }
  size_ += line.size() + 2;
  if (size_ > max_size_) {
    if (!too_large_) std::string().swap(data_);  // stop storing and release what was kept
    too_large_ = true;
    return false;
  }
  data_.append(line);
  data_ += "\r\n";
  return false;
}

}  // namespace mxlab::smtp
