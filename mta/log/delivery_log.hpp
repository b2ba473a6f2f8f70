// The delivery log: appends records as JSON lines to a file and hands each record to in-process
// listeners (the Python harness waits on them); optionally also writes Postfix-style lines
// (postfix_line.hpp) to a second file, so Postfix log tools can follow mail through mtad. Thread-safe.
#pragma once
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/log/log_record.hpp"

namespace mxlab::log {

class DeliveryLog {
 public:
  DeliveryLog() = default;
  ~DeliveryLog();
  DeliveryLog(const DeliveryLog&) = delete;
  DeliveryLog& operator=(const DeliveryLog&) = delete;

  Status open(const std::string& path);  // append mode; parent directory must exist
  // Postfix-style lines, syslog-prefixed with `hostname` and "mtad/<program>[pid]"; recipient
  // outcome records become "to=<..>, relay=name[ip]:relay_port, delay=, delays=, dsn=, status=".
  Status open_postfix(const std::string& path, std::string hostname, std::uint16_t relay_port);
  bool postfix_enabled() const { return postfix_file_ != nullptr; }
  // Writes one Postfix-style line (built by the caller with postfix_line.hpp) when enabled.
  void postfix(TimePoint when, std::string_view program, const std::string& line);
  void write(const LogRecord& record);   // one line, flushed
  using Listener = std::function<void(const LogRecord&)>;
  void add_listener(Listener l);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::FILE* postfix_file_ = nullptr;
  std::string hostname_;
  std::uint16_t relay_port_ = 25;
  std::vector<Listener> listeners_;
};

}  // namespace mxlab::log
