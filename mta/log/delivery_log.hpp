// The delivery log: appends records as JSON lines to a file and hands each record to in-process
// listeners (the Python harness waits on them). Thread-safe.
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
  void write(const LogRecord& record);   // one line, flushed
  using Listener = std::function<void(const LogRecord&)>;
  void add_listener(Listener l);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::vector<Listener> listeners_;
};

}  // namespace mxlab::log
