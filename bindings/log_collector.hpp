// Collects delivery log records for one Mta so Python can wait on them: a DeliveryLog listener
// appends under a mutex and notifies waiters, who block with the GIL released until a deadline.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mta/log/log_record.hpp"

namespace mxlab::py_bind {

class LogCollector {
 public:
  void add(const log::LogRecord& record) {
    {
      std::lock_guard lock(mu_);
      records_.push_back(record);
    }
    cv_.notify_all();
  }

  std::vector<log::LogRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

  // Blocks until `count` records of `type` (for `recipient` when non-empty) are collected or
  // `timeout` passes; returns how many matched.
  std::size_t wait(log::RecordType type, std::size_t count, const std::string& recipient,
                   std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    std::size_t n = 0;
    cv_.wait_for(lock, timeout, [&] { return (n = count_locked(type, recipient)) >= count; });
    return n;
  }

 private:
  std::size_t count_locked(log::RecordType type, const std::string& recipient) const {
    std::size_t n = 0;
    for (const auto& r : records_)
      if (r.type == type && (recipient.empty() || r.recipient == recipient)) ++n;
    return n;
  }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<log::LogRecord> records_;
};

}  // namespace mxlab::py_bind
