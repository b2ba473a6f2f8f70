// Group commit of the scheduler's spool writes (see spool_writer.hpp).
#include "mta/queue/spool_writer.hpp"

#include <spdlog/spdlog.h>
#include <vector>

namespace mxlab::queue {

SpoolWriter::SpoolWriter(spool::Spool& spool) : spool_(spool), thread_([this] { run(); }) {}

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
  idle_cv_.wait(lock, [&] { return waiting_.empty() && writing_.empty(); });
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
    if (!st) {
      // The previous records stay: those messages are retried (or re-delivered) after a restart.
      spdlog::error("spool commit of {} envelope update(s) failed: {}", batch.size(), st.error);
    }
    lock.lock();
    for (const auto& rec : batch)
      if (--writing_[rec.id] == 0) writing_.erase(rec.id);
    idle_cv_.notify_all();
  }
}

}  // namespace mxlab::queue
