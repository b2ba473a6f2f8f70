// Line framing over a byte buffer. Consumed bytes are skipped by an offset and only compacted
// when they make up at least half of the buffer, so framing n bytes costs O(n) overall.
// Only LF ends a line (RFC 5321 2.3.8); a lone CR stays in the line for the session to judge.
#include "mta/protocol/line_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace mxlab::smtp {

void LineBuffer::append(std::string_view bytes) {
  if (pos_ > 0 && pos_ * 2 >= buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

LineStatus LineBuffer::next(std::string& line) {
  line.clear();
  if (discarding_) {
    // Drop the rest of an over-long line, up to and including its LF.
    const char* lf = static_cast<const char*>(std::memchr(buf_.data() + pos_, '\n', buffered()));
    if (lf == nullptr) {
      pos_ = buf_.size();
      return LineStatus::NeedMore;
    }
    pos_ = static_cast<std::size_t>(lf - buf_.data()) + 1;
    discarding_ = false;
  }
  // RFC 5321 4.5.3.1.6: max_line counts the CRLF, so the LF must sit within the first max_line_ bytes.
  std::size_t window = std::min(buffered(), max_line_);
  const char* start = buf_.data() + pos_;
  const char* lf = static_cast<const char*>(std::memchr(start, '\n', window));
  if (lf == nullptr) {
    if (buffered() < max_line_) return LineStatus::NeedMore;
    pos_ += max_line_;  // report once, then discard the remainder on the following calls
    discarding_ = true;
    return LineStatus::TooLong;
  }
  std::size_t len = static_cast<std::size_t>(lf - start);
  pos_ += len + 1;
  if (len > 0 && start[len - 1] == '\r') {
    line.assign(start, len - 1);
    return LineStatus::Line;
  }
  line.assign(start, len);
  return LineStatus::BareLf;
}

std::string LineBuffer::take_raw(std::size_t n) {
  n = std::min(n, buffered());
  std::string out = buf_.substr(pos_, n);
  pos_ += n;
  return out;
}

}  // namespace mxlab::smtp
