// Line framing for SMTP (RFC 5321 4.5.3.1.4 line length, 2.3.8 line endings): accumulates bytes,
// hands out complete lines without the terminator, enforces a maximum length, and reports bare LF
// / bare CR so the server can refuse them (the 2023 SMTP smuggling fixes).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace mxlab::smtp {

enum class LineStatus {
  Line,      // `line` holds a complete line (terminator removed)
  NeedMore,  // no complete line buffered yet
  TooLong,   // the line exceeded max_line; the rest of it up to its terminator is discarded
  BareLf,    // a line ended in LF without CR (line still returned in `line`)
};

class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line = 1000) : max_line_(max_line) {}
  void append(std::string_view bytes);
  // Extracts the next line. max_line counts the terminator, as RFC 5321 does (1000 with CRLF).
  LineStatus next(std::string& line);
  // Bytes buffered but not yet returned (for BDAT chunks and pipelining detection).
  std::size_t buffered() const { return buf_.size() - pos_; }
  // Removes and returns up to n raw bytes (BDAT payload).
  std::string take_raw(std::size_t n);
  void set_max_line(std::size_t n) { max_line_ = n; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t max_line_;
  bool discarding_ = false;
};

}  // namespace mxlab::smtp
