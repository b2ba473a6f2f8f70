// A RocksDB file system for tests whose writes fail with ENOSPC while `full` is set, as a full
// disk's would: drives the spool's failed-write latch and reopen without filling a real disk.
#pragma once
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace mxlab::spool::test_support {

class FullDiskFs final : public rocksdb::FileSystemWrapper {
 public:
  FullDiskFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FullDiskFs"; }
  std::atomic<bool> full{false};

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (full) return no_space();
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), full);
    return s;
  }

 private:
  static rocksdb::IOStatus no_space() { return rocksdb::IOStatus::NoSpace("injected: no space left on device"); }
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(f)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      return full_ ? no_space() : target()->Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
      return full_ ? no_space() : target()->Append(data, o, v, dbg);
    }

   private:
    const std::atomic<bool>& full_;
  };
};

struct FullDisk {
  std::shared_ptr<FullDiskFs> fs = std::make_shared<FullDiskFs>();
  std::shared_ptr<rocksdb::Env> env{rocksdb::NewCompositeEnv(fs)};
};

}  // namespace mxlab::spool::test_support
