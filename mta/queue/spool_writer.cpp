// Group commit of the scheduler's spool writes (see spool_writer.hpp).
#include "mta/queue/spool_writer.hpp"

#include <spdlog/spdlog.h>
#include <vector>

namespace mxlab::queue {

SpoolWriter::SpoolWriter(spool::Spool& spool, std::chrono::milliseconds retry_delay)
    : spool_(spool), retry_delay_(retry_delay), thread_([this] { run(); }) {}

SpoolWriter::~SpoolWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SpoolWriter::submit(const spool::MessageRecord& record) {
  {
    std::lock_guard lock(mu_);
    waiting_.insert_or_assign(record.id, record);
  }
  cv_.notify_one();
}

void SpoolWriter::flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return writing_.empty() && (waiting_.empty() || failures_ > 0); });
}

std::size_t SpoolWriter::pending() const {
  std::lock_guard lock(mu_);
  std::size_t n = writing_.size();
  for (const auto& [id, rec] : waiting_) n += writing_.count(id) ? 0 : 1;
  return n;
}

bool SpoolWriter::contains(MessageId id) const {
  std::lock_guard lock(mu_);
  return waiting_.count(id) || writing_.count(id);
}

void SpoolWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, nothing left
    std::vector<spool::MessageRecord> batch;
    batch.reserve(waiting_.size());
    for (auto& [id, rec] : waiting_) {
      writing_[id]++;
      batch.push_back(std::move(rec));
    }
    waiting_.clear();
    lock.unlock();
    // Writes for one message stay in order: a later state is only written by a later batch.
    Status st = spool_.commit(batch);
    lock.lock();
    for (const auto& rec : batch)
      if (--writing_[rec.id] == 0) writing_.erase(rec.id);
    if (st) {
      if (failures_ > 0)
        spdlog::warn("spool: envelope updates written again after {} failed commit(s)", failures_);
      failures_ = 0;
      idle_cv_.notify_all();
      continue;
    }
    if (failures_++ == 0 || stopping_)
      spdlog::error("spool commit of {} envelope update(s) failed{}: {}", batch.size(),
                    stopping_ ? ", dropped at shutdown" : ", retrying every " + std::to_string(retry_delay_.count()) + " ms",
                    st.error);
    if (!stopping_) {
      // Put back each record that no newer state has replaced, and try again after the delay.
      for (auto& rec : batch) waiting_.try_emplace(rec.id, std::move(rec));
    }
    idle_cv_.notify_all();
    cv_.wait_for(lock, retry_delay_, [&] { return stopping_; });
  }
}

}  // namespace mxlab::queue
