// Refuses new mail that the spool could not store, before the client sends it: free space on
// the spool's file system below spool.min_free_space, or a recent spool write error (a latch,
// held for kWriteErrorHold, after which mail is tried again). MAIL then gets 451 4.3.1 (RFC 3463
// 3.4: mail system full), and end-of-data checks again, so a 250 is never sent for mail that
// cannot be stored. Thread-safe: the io thread asks, the spool pool reports.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mta/protocol/reply.hpp"

namespace mxlab::core {

class SpoolGuard {
 public:
  static constexpr std::chrono::seconds kWriteErrorHold{10};

  SpoolGuard(std::string path, std::uint64_t min_free_space) : path_(std::move(path)), min_free_(min_free_space) {}

  // The refusal for new mail now, or nullopt when the spool can take it.
  std::optional<smtp::Reply> refusal() const;
  void note_write_failure();
  void note_write_success() { failed_at_ = 0; }
  // Free bytes for unprivileged writers on the spool's file system; nullopt when unknown.
  std::optional<std::uint64_t> free_space() const;

 private:
  std::string path_;
  std::uint64_t min_free_;
  std::atomic<std::int64_t> failed_at_{0};  // steady-clock ticks of the last failure; 0 = none
};

}  // namespace mxlab::core
