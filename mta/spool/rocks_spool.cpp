// The RocksDB spool: key "d:<msgid>" holds message data, "e:<msgid>" the envelope JSON.
// Durability: every write is one WriteBatch, and the WAL is fsynced (options.sync) before
// store() returns, so the 250 after end-of-data is a promise.
// After a failed write (ENOSPC, EIO) RocksDB's WAL writer must not be written again (this
// RocksDB aborts the process on the next write), so the first failure makes the spool refuse
// every later write, naming that failure: what was acknowledged stays on disk and new mail gets
// 451 instead of a crash. reopen_after (10 s) later the next write closes and reopens the database
// (what a restart would do: the synced WAL is replayed, a torn last record dropped) and, if that
// works, goes ahead; so a disk that has room again takes mail again without a restart.
// For that to hold, no write may start while another is in RocksDB (one that started just after
// a failure, before the failing call returned, reached the broken writer), so writes go through
// one leader at a time: writers queue their batch, and whoever finds no leader writes everything
// queued, each batch unsynced but the last, whose fsync covers the group (group commit, one
// fsync per batch of sessions). Readers share db_mu_; only a reopen takes it alone.
// RocksDB's own log goes to mtad's log, not to a LOG file on the spool disk: that file met the
// full disk too, and its next line aborted the process from a background flush.
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mta/spool/spool.hpp"

namespace mxlab::spool {

namespace {

constexpr std::string_view kDataPrefix = "d:";
constexpr std::string_view kEnvelopePrefix = "e:";

std::string data_key(MessageId id) { return std::string(kDataPrefix) + format_message_id(id); }
std::string envelope_key(MessageId id) { return std::string(kEnvelopePrefix) + format_message_id(id); }

// After a failed write RocksDB may try to recover on its own: the retryable-error resume
// (max_bgerror_resume_count below) and, for ENOSPC, the SstFileManager once space is back. Both
// reach the failed WAL writer, which this RocksDB answers with an abort; the spool refuses writes
// until mtad restarts instead.
class NoAutoRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

// RocksDB's warnings and errors, prefixed "spool:", in mtad's own log. Its info lines (flushes,
// compactions, options) stay out: several per memtable, of interest only when tuning RocksDB.
class ForwardToSpdlog final : public rocksdb::Logger {
 public:
  ForwardToSpdlog() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char line[1024];
    int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n < 0) return;
    spdlog::log(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err : spdlog::level::warn,
                "spool: rocksdb: {}", std::string_view(line, std::min<std::size_t>(n, sizeof line - 1)));
  }
};

// A spool holds few, short-lived keys: small memtables and few open files keep an idle
// mtad (and every test process) light.
rocksdb::Options open_options(const std::shared_ptr<rocksdb::Env>& env) {
  rocksdb::Options o;
  if (env) o.env = env.get();
  o.create_if_missing = true;
  o.write_buffer_size = 8 << 20;
  o.max_write_buffer_number = 2;
  o.max_open_files = 256;
  o.info_log = std::make_shared<ForwardToSpdlog>();
  o.max_background_jobs = 2;
  o.max_bgerror_resume_count = 0;  // no automatic resume (see NoAutoRecovery)
  o.listeners.push_back(std::make_shared<NoAutoRecovery>());
  return o;
}

Status failure(std::string_view what, MessageId id, const rocksdb::Status& s) {
  return Status::failure("spool " + std::string(what) + " " + format_message_id(id) + ": " + s.ToString());
}

// RocksDB reports a held LOCK file as an IOError mentioning "lock"; name the likely cause.
std::string open_error(const std::string& path, const rocksdb::Status& s) {
  std::string msg = s.ToString();
  if (s.IsIOError() && msg.find("lock") != std::string::npos)
    return "spool " + path + " is locked by another process (is another mtad using it?): " + msg;
  return "cannot open spool " + path + ": " + msg;
}

class RocksSpool final : public Spool {
 public:
  RocksSpool(std::unique_ptr<rocksdb::DB> db, const RocksSpoolOptions& options)
      : env_(options.env), db_(std::move(db)), path_(options.path), reopen_after_(options.reopen_after) {
    // WAL stays enabled (disableWAL = false): sync only means something with a WAL.
    write_.sync = options.sync;
  }
  ~RocksSpool() override {
    if (db_) db_->Close();
  }

  Status store(const MessageRecord& record, std::string_view data) override {
    rocksdb::WriteBatch batch;
    batch.Put(data_key(record.id), rocksdb::Slice(data.data(), data.size()));
    batch.Put(envelope_key(record.id), record.to_json());
    // One batch, one WAL append, fsynced before store() returns when sync is on: data and
    // envelope become durable together or not at all.
    return write(batch, "store", record.id);
  }

  Status update(const MessageRecord& record) override {
    // The caller serialises work on one message, so an update never races its remove().
    rocksdb::WriteBatch batch;
    batch.Put(envelope_key(record.id), record.to_json());
    return write(batch, "update", record.id);
  }

  Status remove(MessageId id) override {
    rocksdb::WriteBatch batch;
    batch.Delete(data_key(id));
    batch.Delete(envelope_key(id));
    return write(batch, "remove", id);
  }

  Status commit(const std::vector<MessageRecord>& records) override {
    if (records.empty()) return Status::success();
    rocksdb::WriteBatch batch;
    for (const auto& r : records) {
      if (r.done()) {
        batch.Delete(data_key(r.id));
        batch.Delete(envelope_key(r.id));
      } else {
        batch.Put(envelope_key(r.id), r.to_json());
      }
    }
    return write(batch, "commit of " + std::to_string(records.size()) + " records, first", records.front().id);
  }

  Expected<std::string> load_data(MessageId id) override {
    std::shared_lock lock(db_mu_);
    if (!db_) return unexpected("message " + format_message_id(id) + " cannot be read: " + closed_why_);
    std::string data;
    auto s = db_->Get(rocksdb::ReadOptions(), data_key(id), &data);
    if (s.IsNotFound()) return unexpected("message " + format_message_id(id) + " is not in the spool");
    if (!s.ok()) return unexpected(failure("load", id, s).error);
    return data;
  }

  bool contains(MessageId id) override {
    std::shared_lock lock(db_mu_);
    if (!db_) return false;
    rocksdb::PinnableSlice value;
    return db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), envelope_key(id), &value).ok();
  }

  Status recover(const std::function<void(MessageRecord)>& each) override;

 private:
  struct Pending {
    rocksdb::WriteBatch* batch;
    const std::string& what;
    MessageId id;
    rocksdb::Status result{};
    bool refused = false;  // not written: an earlier write had failed
    bool done = false;
  };

  Status write(rocksdb::WriteBatch& batch, const std::string& what, MessageId id) {
    Pending me{&batch, what, id};
    std::unique_lock lock(mu_);
    queue_.push_back(&me);
    cv_.wait(lock, [&] { return me.done || !leading_; });
    if (!me.done) lead(lock);
    if (me.result.ok()) return Status::success();
    if (me.refused)
      return Status::failure("spool " + what + " " + format_message_id(id) + " refused: an earlier write failed (" +
                             broken_why_ + "); the spool reopens once the disk is writable again");
    return failure(what, id, me.result);
  }

  // Writes every queued batch (mu_ held on entry and exit, released while writing); after a
  // failure nothing more reaches RocksDB until a reopen works.
  void lead(std::unique_lock<std::mutex>& lock) {
    leading_ = true;
    std::vector<Pending*> group(queue_.begin(), queue_.end());
    queue_.clear();
    bool broken = broken_;
    const bool reopen = broken && std::chrono::steady_clock::now() - broken_at_ >= reopen_after_;
    std::string first_failure;
    lock.unlock();
    if (reopen) broken = !try_reopen();
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (broken) {
        group[i]->refused = true;
        group[i]->result = rocksdb::Status::Aborted();
        continue;
      }
      rocksdb::WriteOptions options = write_;
      options.sync = write_.sync && i + 1 == group.size();  // the last fsync covers the group's WAL records
      group[i]->result = db_->Write(options, group[i]->batch);
      if (!group[i]->result.ok()) {
        broken = true;
        first_failure = failure(group[i]->what, group[i]->id, group[i]->result).error;
        for (std::size_t j = 0; j < i; ++j)  // written but not yet synced: not a promise either
          if (write_.sync) group[j]->result = group[i]->result;
      }
    }
    lock.lock();
    if (broken && !broken_) broken_at_ = std::chrono::steady_clock::now();
    broken_ = broken;
    if (broken_why_.empty()) broken_why_ = std::move(first_failure);
    for (Pending* p : group) p->done = true;
    leading_ = false;
    cv_.notify_all();
  }

  // Called by the leader (no other write is in RocksDB) once the spool has been broken for
  // reopen_after_: closes the database, and opens it again. On success (true) writes go ahead;
  // on failure the spool stays broken (reads fail too while no database is open) and the next
  // try is reopen_after_ later.
  bool try_reopen() {
    std::unique_lock exclusive(db_mu_);
    if (db_) {
      db_->Close();  // its status repeats the failure we know of
      db_.reset();
    }
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(open_options(env_), path_, &raw);
    std::lock_guard lock(mu_);
    if (!s.ok()) {
      closed_why_ = "the spool is closed after a failed write and could not be reopened (" + open_error(path_, s) + ")";
      spdlog::error("spool: reopening {} failed, new mail stays refused: {}", path_, s.ToString());
      broken_at_ = std::chrono::steady_clock::now();
      return false;
    }
    db_.reset(raw);
    spdlog::warn("spool: reopened {} after the failed write ({}); taking mail again", path_, broken_why_);
    broken_ = false;
    broken_why_.clear();
    return true;
  }

  std::shared_ptr<rocksdb::Env> env_;  // declared first: outlives db_
  std::unique_ptr<rocksdb::DB> db_;    // null only between a reopen's close and a successful open
  std::string path_;
  std::chrono::milliseconds reopen_after_;
  std::shared_mutex db_mu_;  // readers share it; a reopen holds it alone
  std::string closed_why_;
  rocksdb::WriteOptions write_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending*> queue_;  // waiting for the next leader
  bool leading_ = false;         // a thread is writing a group
  bool broken_ = false;          // a write failed: refuse all later ones until a reopen
  std::string broken_why_;       // the first failure
  std::chrono::steady_clock::time_point broken_at_;  // when it broke, or the last reopen failed
};

Status RocksSpool::recover(const std::function<void(MessageRecord)>& each) {
  std::shared_lock lock(db_mu_);
  if (!db_) return Status::failure(closed_why_);
  std::vector<std::string> bad;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(rocksdb::Slice(kEnvelopePrefix.data(), kEnvelopePrefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(kEnvelopePrefix.data(), kEnvelopePrefix.size()));
       it->Next()) {
    std::string key = it->key().ToString();
    auto record = MessageRecord::from_json(it->value().ToString());
    if (!record) {
      bad.push_back(key + ": " + record.error());
      continue;
    }
    if (envelope_key(record->id) != key) {
      bad.push_back(key + ": record carries message id " + format_message_id(record->id));
      continue;
    }
    each(std::move(*record));
  }
  if (!it->status().ok()) bad.push_back("scan stopped: " + it->status().ToString());
  if (bad.empty()) return Status::success();
  std::string why = std::to_string(bad.size()) + " spool record(s) not recovered:";
  for (const auto& b : bad) why += "\n  " + b;
  return Status::failure(why);
}

}  // namespace

Expected<std::unique_ptr<Spool>> open_rocksdb_spool(const RocksSpoolOptions& options) {
  if (options.path.empty()) return unexpected(std::string("spool path is empty"));
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return unexpected("cannot create spool directory " + options.path + ": " + ec.message());
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(open_options(options.env), options.path, &raw);
  if (!s.ok()) return unexpected(open_error(options.path, s));
  return std::unique_ptr<Spool>(std::make_unique<RocksSpool>(std::unique_ptr<rocksdb::DB>(raw), options));
}

}  // namespace mxlab::spool
