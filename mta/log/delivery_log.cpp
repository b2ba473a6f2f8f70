// DeliveryLog: one JSON line per record, flushed per record so `tail -f` and crash forensics
// see every record. Listeners run on the writer's thread, OUTSIDE the lock: a listener may call
// back into the log, and one that takes another lock (the Python GIL) cannot deadlock a writer.
#include "mta/log/delivery_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mta/log/postfix_line.hpp"

namespace mxlab::log {

DeliveryLog::~DeliveryLog() {
  if (file_) std::fclose(file_);
  if (postfix_file_) std::fclose(postfix_file_);
}

Status DeliveryLog::open_postfix(const std::string& path, std::string hostname, std::uint16_t relay_port) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Status::failure("cannot open postfix log " + path + ": " + std::strerror(errno));
  std::lock_guard lock(mu_);
  if (postfix_file_) std::fclose(postfix_file_);
  postfix_file_ = f;
  hostname_ = std::move(hostname);
  relay_port_ = relay_port;
  return Status::success();
}

void DeliveryLog::postfix(TimePoint when, std::string_view program, const std::string& line) {
  if (!postfix_file_ || line.empty()) return;
  std::string out = syslog_prefix(when, hostname_, "mtad/" + std::string(program), static_cast<int>(::getpid())) + line + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(out.data(), 1, out.size(), postfix_file_);
  std::fflush(postfix_file_);
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
  if (postfix_file_ && record.type != RecordType::Reception && record.type != RecordType::Rejection)
    postfix(record.timestamp, record.type == RecordType::TransientFailure || record.type == RecordType::Delivery ? "smtp" : "bounce",
            postfix_recipient_line(record, record.delays.value_or(Delays{}), relay_port_));
  // Listeners may see records from different threads in an order other than the file's;
  // records from one thread arrive in that thread's order.
  for (const auto& l : listeners) l(record);
}

void DeliveryLog::add_listener(Listener l) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(l));
}

}  // namespace mxlab::log
