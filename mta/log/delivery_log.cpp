// DeliveryLog: one JSON line per record, flushed per record so `tail -f` and crash forensics
// see every record. Listeners run on the writer's thread, OUTSIDE the lock: a listener may call
// back into the log, and one that takes another lock (the Python GIL) cannot deadlock a writer.
#include "mta/log/delivery_log.hpp"

#include <cerrno>
#include <cstring>

namespace mxlab::log {

DeliveryLog::~DeliveryLog() {
  if (file_) std::fclose(file_);
}

Status DeliveryLog::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Status::failure("cannot open delivery log " + path + ": " + std::strerror(errno));
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = f;
  return Status::success();
}

void DeliveryLog::write(const LogRecord& record) {
  std::string line = record.to_json();  // serialise before taking the lock
  line += '\n';
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mu_);
    if (file_) {
      // One fwrite per line under the lock: lines from concurrent writers never interleave.
      std::fwrite(line.data(), 1, line.size(), file_);
      std::fflush(file_);
    }
    listeners = listeners_;
  }
  // Listeners may see records from different threads in an order other than the file's;
  // records from one thread arrive in that thread's order.
  for (const auto& l : listeners) l(record);
}

void DeliveryLog::add_listener(Listener l) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(l));
}

}  // namespace mxlab::log
