// DATA transparency (RFC 5321 4.5.2): dot-stuffing on send, un-stuffing and end-of-data
// detection on receive. Only CRLF.CRLF ends data: <LF>.<LF> and <CR>.<CR> never do.
#pragma once
#include <string>
#include <string_view>

#include "mta/protocol/line_buffer.hpp"

namespace mxlab::smtp {

// Encodes a message for the DATA phase: normalises bare LF / bare CR line ends to CRLF, doubles a
// leading dot on every line, ensures a final CRLF and appends the terminating ".\r\n".
std::string dot_stuff(std::string_view message);

// Receives DATA lines (terminator already removed by LineBuffer) and rebuilds the message with
// CRLF line ends, removing one leading dot from stuffed lines.
class DataReceiver {
 public:
  explicit DataReceiver(std::size_t max_size) : max_size_(max_size) {}
  // Returns true when `line` is the lone "." that ends the data. Assumes the line ended in CRLF.
  bool feed_line(std::string_view line);
  // Same, told how the line ended (LineStatus::Line for CRLF, BareLf for a lone LF): a "." ends the
  // data only when it and the line before it both ended in CRLF, so <LF>.<LF>, <LF>.<CR><LF> and
  // <CR><LF>.<LF> stay data (the 2023 SMTP smuggling variants). A BareLf line is stored with CRLF.
  bool feed_line(std::string_view line, LineStatus ending);
  bool too_large() const { return too_large_; }
  std::size_t size() const { return size_; }
  std::string take() { return std::move(data_); }

 private:
  std::string data_;
  std::size_t max_size_;
  std::size_t size_ = 0;
  bool too_large_ = false;  // keeps counting but stops storing once over max_size
  bool prev_crlf_ = true;   // the DATA command line itself ended in CRLF
};

}  // namespace mxlab::smtp
