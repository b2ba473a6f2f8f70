// SpoolGuard (see spool_guard.hpp): statvfs on every ask (one cheap system call, no cache to
// go stale while a disk fills) and a timestamp latch for write errors.
#include "mta/core/spool_guard.hpp"

#include <sys/statvfs.h>

#include <spdlog/spdlog.h>

namespace mxlab::core {

namespace {
std::int64_t now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }
}  // namespace

std::optional<std::uint64_t> SpoolGuard::free_space() const {
  struct statvfs fs {};
  if (::statvfs(path_.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

std::optional<smtp::Reply> SpoolGuard::refusal() const {
  std::int64_t failed = failed_at_.load();
  auto hold = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kWriteErrorHold).count();
  if (failed != 0 && now_ticks() - failed < hold) {
    return smtp::make_reply(451, "4.3.1", "Error: spool write failed recently, try again later");
  }
  if (min_free_ > 0) {
    auto free = free_space();
    if (free && *free < min_free_) return smtp::make_reply(451, "4.3.1", "Error: insufficient system storage");
  }
  return std::nullopt;
}

void SpoolGuard::note_write_failure() {
  if (failed_at_.exchange(now_ticks()) == 0) {
    spdlog::error("spool: write failed; new mail refused with 451 4.3.1 for {} s", kWriteErrorHold.count());
  }
}

}  // namespace mxlab::core
