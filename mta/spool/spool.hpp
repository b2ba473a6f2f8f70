// The Spool seam. Durability contract: store() returns only after message data and envelope
// are durable (RocksDB WAL fsynced when sync is on), so the 250 after end-of-data is a promise.
// Implementations are thread-safe and blocking; callers run them off the I/O thread.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/spool/message_record.hpp"

namespace rocksdb {
class Env;
}

namespace mxlab::spool {

class Spool {
 public:
  virtual ~Spool() = default;
  // Writes data and envelope atomically and durably.
  virtual Status store(const MessageRecord& record, std::string_view data) = 0;
  // Rewrites the envelope (delivery progress); durable when sync is on.
  virtual Status update(const MessageRecord& record) = 0;
  // Deletes data and envelope (all envelopes done).
  virtual Status remove(MessageId id) = 0;
  // Many messages' progress in one atomic, durable write (one fsync): each record with every
  // envelope done is removed, any other rewritten. The scheduler's group commit.
  virtual Status commit(const std::vector<MessageRecord>& records) = 0;
  virtual Expected<std::string> load_data(MessageId id) = 0;
  virtual bool contains(MessageId id) = 0;
  // Calls `each` for every stored envelope record (start-up recovery). Records that fail to
  // parse are reported through the returned Status after the scan, never silently dropped.
  virtual Status recover(const std::function<void(MessageRecord)>& each) = 0;
};

struct RocksSpoolOptions {
  std::string path;
  bool sync = true;
  // After a failed write the spool refuses writes; this long after the failure the next write
  // reopens the database and, if that works, goes ahead.
  std::chrono::milliseconds reopen_after{10'000};
  // RocksDB's Env (file system and threads); null for the default. Tests inject faults here.
  std::shared_ptr<rocksdb::Env> env{};
};
Expected<std::unique_ptr<Spool>> open_rocksdb_spool(const RocksSpoolOptions& options);

}  // namespace mxlab::spool
