// The RocksDB spool against a real database in a fresh temporary directory per test:
// store/load, update, remove, recovery after reopening, corrupt records and lock conflicts.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "mta/spool/spool.hpp"
#include "tests/unit/spool/full_disk_fs.hpp"

using namespace mxlab;
using namespace mxlab::spool;
namespace fs = std::filesystem;
using mxlab::spool::test_support::FullDisk;

namespace {

class RocksSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mxlab-spool-test-" + format_message_id(random_u32()) + format_message_id(random_u32()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Spool> open(RocksSpoolOptions options = {}) {
    options.path = dir_.string();
    auto s = open_rocksdb_spool(options);
    EXPECT_TRUE(s.ok()) << s.error();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // On disk_, a file system the test can fill (full_disk_fs.hpp).
  std::unique_ptr<Spool> open_fillable(std::chrono::milliseconds reopen_after) {
    return open({{}, true, reopen_after, disk_.env});
  }
  static MessageRecord record(MessageId id, int recipients = 1) {
    MessageRecord r;
    r.id = id;
    r.sender = "alice@example.org";
    r.size = 5;
    for (int i = 0; i < recipients; ++i) {
      EnvelopeRecord e;
      e.id = make_envelope_id(id, i + 1);
      e.recipient = "rcpt" + std::to_string(i) + "@example.com";
      r.envelopes.push_back(e);
    }
    return r;
  }
  static std::vector<MessageRecord> recover_all(Spool& spool, Status* status = nullptr) {
    std::vector<MessageRecord> out;
    Status s = spool.recover([&](MessageRecord r) { out.push_back(std::move(r)); });
    if (status) *status = s;
    else EXPECT_TRUE(s.ok()) << s.error;
    return out;
  }

  fs::path dir_;
  FullDisk disk_;
};

TEST_F(RocksSpoolTest, StoreThenLoadReturnsDataAndEnvelope) {
  auto spool = open();
  ASSERT_TRUE(spool);
  ASSERT_TRUE(spool->store(record(0x11), "hello"));
  EXPECT_TRUE(spool->contains(0x11));
  EXPECT_FALSE(spool->contains(0x12));
  auto data = spool->load_data(0x11);
  ASSERT_TRUE(data.ok()) << data.error();
  EXPECT_EQ(*data, "hello");
  auto all = recover_all(*spool);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].to_json(), record(0x11).to_json());
}

TEST_F(RocksSpoolTest, UpdateRewritesOnlyTheEnvelope) {
  auto spool = open();
  ASSERT_TRUE(spool->store(record(0x21, 2), "body"));
  MessageRecord r = record(0x21, 2);
  r.envelopes[0].state = EnvelopeState::Delivered;
  r.envelopes[1].attempts = 1;
  r.envelopes[1].last_error = "451 4.7.1 try later";
  ASSERT_TRUE(spool->update(r));
  auto all = recover_all(*spool);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].to_json(), r.to_json());
  EXPECT_EQ(*spool->load_data(0x21), "body");
}

TEST_F(RocksSpoolTest, RemoveDeletesDataAndEnvelope) {
  auto spool = open();
  ASSERT_TRUE(spool->store(record(0x31), "x"));
  ASSERT_TRUE(spool->remove(0x31));
  EXPECT_FALSE(spool->contains(0x31));
  auto data = spool->load_data(0x31);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error(), "message 00000031 is not in the spool");
  EXPECT_TRUE(recover_all(*spool).empty());
}

TEST_F(RocksSpoolTest, RecoversEveryMessageAfterReopening) {
  {
    auto spool = open();
    for (MessageId id : {0x41u, 0x42u, 0x43u}) ASSERT_TRUE(spool->store(record(id), "data"));
    ASSERT_TRUE(spool->remove(0x42));
  }
  auto spool = open();
  ASSERT_TRUE(spool);
  auto all = recover_all(*spool);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, 0x41u);
  EXPECT_EQ(all[1].id, 0x43u);
  EXPECT_EQ(*spool->load_data(0x43), "data");
}

// Writers from many threads go through the spool's one-leader group commit: every store returns
// only once it is written (and synced), none is lost, and nobody waits for ever.
TEST_F(RocksSpoolTest, ConcurrentWritersAreGroupedAndAllDurable) {
  constexpr MessageId kThreads = 8, kEach = 40;
  {
    auto spool = open();
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (MessageId t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (MessageId i = 0; i < kEach; ++i) {
          MessageId id = 0x1000 + t * kEach + i;
          if (!spool->store(record(id), "data " + std::to_string(id))) ++failures;
          if (i % 4 == 3 && !spool->remove(id)) ++failures;  // every fourth is delivered at once
        }
      });
    }
    for (auto& w : writers) w.join();
    EXPECT_EQ(failures, 0);
  }
  auto spool = open();
  ASSERT_TRUE(spool);
  auto all = recover_all(*spool);
  EXPECT_EQ(all.size(), std::size_t{kThreads * kEach * 3 / 4});
  EXPECT_EQ(*spool->load_data(0x1000), "data 4096");
}

// RocksDB's info log goes to mtad's log: a LOG file on the spool disk meets a full disk with the
// spool, and this RocksDB aborts on the line logged after its failed write.
TEST_F(RocksSpoolTest, WritesNoInfoLogFileIntoTheSpoolDirectory) {
  {
    auto spool = open();
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->store(record(0x51), "data"));
  }
  ASSERT_TRUE(fs::exists(dir_ / "CURRENT"));  // the directory is the database
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_FALSE(entry.path().filename().string().starts_with("LOG")) << entry.path();
}

// After a failed write every later one is refused (RocksDB must not touch its failed WAL
// writer again) until reopen_after has passed; the next write then reopens the database and
// goes ahead, and what was stored before the failure is all still there.
TEST_F(RocksSpoolTest, AFailedWriteRefusesLaterOnesUntilTheSpoolReopens) {
  const std::chrono::milliseconds reopen_after(1000);
  auto opened = open_fillable(reopen_after);
  ASSERT_TRUE(opened);
  Spool& spool = *opened;
  ASSERT_TRUE(spool.store(record(0x61), "before"));

  disk_.fs->full = true;
  Status failed = spool.store(record(0x62), "lost");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error.find("injected: no space"), std::string::npos) << failed.error;
  disk_.fs->full = false;  // room again, but the broken writer stays untouched (for 1 s: a wide
                          // margin, so a stalled test thread cannot reach the reopen early)
  Status refused = spool.store(record(0x63), "refused");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error.find("refused: an earlier write failed"), std::string::npos) << refused.error;
  EXPECT_NE(refused.error.find("injected: no space"), std::string::npos) << refused.error;  // names the cause

  std::this_thread::sleep_for(reopen_after);  // the interval under test, not a wait for work
  ASSERT_TRUE(spool.store(record(0x64), "after")) << "the write after reopen_after should reopen the spool";
  EXPECT_EQ(*spool.load_data(0x61), "before");
  EXPECT_EQ(*spool.load_data(0x64), "after");
  EXPECT_FALSE(spool.contains(0x62));
  EXPECT_FALSE(spool.contains(0x63));
  auto all = recover_all(spool);
  ASSERT_EQ(all.size(), 2u);
}

// A reopen on a disk that is still full fails: the spool stays closed (reads say why), and the
// next try, reopen_after later, succeeds once there is room.
TEST_F(RocksSpoolTest, AReopenThatFailsIsTriedAgainLater) {
  const std::chrono::milliseconds reopen_after(200);
  auto opened = open_fillable(reopen_after);
  ASSERT_TRUE(opened);
  Spool& spool = *opened;
  ASSERT_TRUE(spool.store(record(0x71), "kept"));

  disk_.fs->full = true;
  ASSERT_FALSE(spool.store(record(0x72), "lost"));
  std::this_thread::sleep_for(reopen_after);
  ASSERT_FALSE(spool.store(record(0x73), "still full"));  // this write's reopen fails
  auto closed = spool.load_data(0x71);
  ASSERT_FALSE(closed.ok());
  EXPECT_NE(closed.error().find("could not be reopened"), std::string::npos) << closed.error();
  EXPECT_FALSE(spool.contains(0x71));
  Status refused = spool.store(record(0x74), "too soon");  // no second reopen before the interval
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error.find("refused: an earlier write failed"), std::string::npos) << refused.error;

  disk_.fs->full = false;
  std::this_thread::sleep_for(reopen_after);
  ASSERT_TRUE(spool.store(record(0x75), "room again"));
  EXPECT_EQ(*spool.load_data(0x71), "kept");
  EXPECT_EQ(*spool.load_data(0x75), "room again");
}

TEST_F(RocksSpoolTest, CorruptEnvelopeIsReportedAndOthersStillRecovered) {
  {
    auto spool = open();
    ASSERT_TRUE(spool->store(record(0x51), "a"));
    ASSERT_TRUE(spool->store(record(0x53), "c"));
  }
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "e:00000052", R"({"version":9})").ok());
  }
  auto spool = open();
  Status status;
  auto all = recover_all(*spool, &status);
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(status.error,
            "1 spool record(s) not recovered:\n"
            "  e:00000052: envelope record: unsupported version 9 (this build reads version 1)");
}

TEST_F(RocksSpoolTest, SecondOpenOfTheSameDirectoryIsALockError) {
  auto first = open();
  ASSERT_TRUE(first);
  auto second = open_rocksdb_spool({dir_.string(), true});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("is locked by another process"), std::string::npos) << second.error();
}

// Another process holding RocksDB's LOCK file (as a second mtad would): the child only takes
// the same fcntl lock RocksDB takes, so no RocksDB state crosses the fork.
TEST_F(RocksSpoolTest, DirectoryLockedByAnotherProcessIsNamedAsSuch) {
  fs::create_directories(dir_);
  std::string lock_file = (dir_ / "LOCK").string();
  int ready[2], done[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(done), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock f {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    char c = (fd >= 0 && fcntl(fd, F_SETLK, &f) == 0) ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0) _exit(1);
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto s = open_rocksdb_spool({dir_.string(), true});
  ASSERT_EQ(write(done[1], &c, 1), 1);
  waitpid(child, nullptr, 0);
  for (int fd : {ready[0], ready[1], done[0], done[1]}) close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().rfind("spool " + dir_.string() + " is locked by another process", 0), 0u) << s.error();
}

TEST_F(RocksSpoolTest, EmptyPathIsRejected) {
  auto s = open_rocksdb_spool({"", true});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "spool path is empty");
}

}  // namespace
