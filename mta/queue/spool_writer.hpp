// The scheduler's spool writer: envelope updates and removals after delivery attempts, group
// committed. Records wait in a map (the latest state of a message wins) and one thread writes
// everything pending in one durable batch (Spool::commit), so a burst of finished deliveries
// costs one fsync, not one each, and never queues behind inbound stores on the blocking pool.
// A SIGKILL can lose only what is pending: messages whose attempt just ended (crash safety,
// docs/RELIABILITY.md). A failed commit (a full disk) is retried every retry_delay with the
// records no newer state has replaced, so once the spool takes writes again (it reopens after
// a failure) the queue on disk catches up instead of keeping delivered mail to re-deliver.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <thread>

#include "mta/spool/spool.hpp"

namespace mxlab::queue {

class SpoolWriter {
 public:
  explicit SpoolWriter(spool::Spool& spool, std::chrono::milliseconds retry_delay = std::chrono::seconds(1));
  ~SpoolWriter();  // writes what is pending, then stops
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  void submit(const spool::MessageRecord& record);
  // Blocks until everything submitted so far is durable, or the last commit failed (logged;
  // the records wait for the next retry).
  void flush();
  // Submitted and not yet durable (waiting or in the batch being written).
  std::size_t pending() const;
  bool contains(MessageId id) const;  // a write for this message is not yet durable

 private:
  void run();
  spool::Spool& spool_;
  std::chrono::milliseconds retry_delay_;
  mutable std::mutex mu_;
  std::condition_variable cv_;        // work arrived, or stopping
  std::condition_variable idle_cv_;   // a batch finished
  std::map<MessageId, spool::MessageRecord> waiting_;
  std::map<MessageId, int> writing_;  // ids in the batch being written
  bool stopping_ = false;
  int failures_ = 0;  // consecutive failed commits
  std::thread thread_;
};

}  // namespace mxlab::queue
