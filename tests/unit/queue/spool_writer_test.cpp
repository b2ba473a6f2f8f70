// The scheduler's spool writer against a real RocksDB spool whose disk fills up: an envelope
// update that fails is written once the spool takes writes again, so a delivered message does
// not stay on disk to be delivered a second time after a restart.
#include "mta/queue/spool_writer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/unit/spool/full_disk_fs.hpp"

using namespace mxlab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

spool::MessageRecord queued(MessageId id) {
  spool::MessageRecord r;
  r.id = id;
  r.sender = "alice@example.org";
  spool::EnvelopeRecord e;
  e.id = make_envelope_id(id, 1);
  e.recipient = "bob@example.com";
  r.envelopes.push_back(e);
  return r;
}

// Polls `done` until it holds or `deadline` passes.
template <class F>
bool wait_for(F done, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

spool::MessageRecord delivered(MessageId id) {
  auto r = queued(id);
  r.envelopes[0].state = spool::EnvelopeState::Delivered;
  return r;
}

// A real RocksDB spool on a file system the test can fill (full_disk_fs.hpp).
class SpoolWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = spool::open_rocksdb_spool({dir_.string(), true, 200ms, disk_.env});
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  const fs::path dir_ = fs::temp_directory_path() / ("mxlab-writer-test-" + format_message_id(random_u32()));
  spool::test_support::FullDisk disk_;
  std::unique_ptr<spool::Spool> store_;
};

}  // namespace

TEST_F(SpoolWriterTest, AFailedCommitIsRetriedUntilTheSpoolTakesIt) {
  spool::Spool& store = *store_;
  ASSERT_TRUE(store.store(queued(0x81), "delivered later"));
  ASSERT_TRUE(store.store(queued(0x82), "still queued"));

  queue::SpoolWriter writer(store, 50ms);
  disk_.fs->full = true;
  ASSERT_TRUE(delivered(0x81).done());
  writer.submit(delivered(0x81));
  writer.flush();  // returns once the commit has failed: the disk is full
  EXPECT_TRUE(writer.contains(0x81)) << "the failed removal is kept for a retry";
  EXPECT_EQ(writer.pending(), 1u);

  disk_.fs->full = false;  // room again: the spool reopens, the retry goes through
  ASSERT_TRUE(wait_for([&] { return writer.pending() == 0; }, 10s)) << "the removal was never retried";
  EXPECT_FALSE(store.contains(0x81));
  EXPECT_TRUE(store.contains(0x82));
}

// Stopping with the disk still full: one last try, then the update is dropped (logged), and
// the writer's thread ends instead of retrying for ever. The spool keeps the previous record.
TEST_F(SpoolWriterTest, StoppingWithTheDiskFullEndsAfterOneLastTry) {
  spool::Spool& store = *store_;
  ASSERT_TRUE(store.store(queued(0x91), "queued"));
  disk_.fs->full = true;
  auto start = std::chrono::steady_clock::now();
  {
    queue::SpoolWriter writer(store, 50ms);
    writer.submit(delivered(0x91));
    writer.flush();
    EXPECT_TRUE(writer.contains(0x91));
  }  // the destructor returns
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(store.contains(0x91)) << "the dropped removal never reached the spool";  // reads still work
}
