// DeliveryLog: lines appended and flushed per record, listeners notified, concurrent writers
// never interleave lines.
#include "mta/log/delivery_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "mta/common/ids.hpp"

using namespace mxlab;
using namespace mxlab::log;
namespace fs = std::filesystem;

namespace {

class DeliveryLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("mxlab-log-test-" + format_message_id(random_u32()) + ".jsonl");
  }
  void TearDown() override { fs::remove(path_); }
  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  fs::path path_;
};

LogRecord record(std::string id) {
  LogRecord r;
  r.id = std::move(id);
  return r;
}

TEST_F(DeliveryLogTest, AppendsOneFlushedLinePerRecord) {
  DeliveryLog log;
  ASSERT_TRUE(log.open(path_.string()));
  log.write(record("00000001"));
  EXPECT_EQ(lines(), std::vector<std::string>{record("00000001").to_json()});  // flushed already
  log.write(record("00000002"));
  EXPECT_EQ(lines().size(), 2u);
}

TEST_F(DeliveryLogTest, ReopeningAppendsRatherThanTruncates) {
  { DeliveryLog log; ASSERT_TRUE(log.open(path_.string())); log.write(record("00000001")); }
  DeliveryLog log;
  ASSERT_TRUE(log.open(path_.string()));
  log.write(record("00000002"));
  EXPECT_EQ(lines().size(), 2u);
}

TEST_F(DeliveryLogTest, OpenInMissingDirectoryFails) {
  DeliveryLog log;
  Status s = log.open((path_ / "nope" / "x.jsonl").string());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error.find("cannot open delivery log"), std::string::npos) << s.error;
}

TEST_F(DeliveryLogTest, ListenersSeeRecordsEvenWithoutAFile) {
  DeliveryLog log;
  std::vector<std::string> seen;
  log.add_listener([&](const LogRecord& r) { seen.push_back(r.id); });
  log.write(record("00000001"));
  EXPECT_EQ(seen, std::vector<std::string>{"00000001"});
}

TEST_F(DeliveryLogTest, ListenerMayWriteBackIntoTheLog) {
  DeliveryLog log;
  int calls = 0;
  log.add_listener([&](const LogRecord& r) {
    if (++calls == 1) log.write(record("00000002"));  // would deadlock if called under the lock
  });
  log.write(record("00000001"));
  EXPECT_EQ(calls, 2);
}

TEST_F(DeliveryLogTest, ConcurrentWritersNeverInterleaveLines) {
  DeliveryLog log;
  ASSERT_TRUE(log.open(path_.string()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&log] {
      for (int i = 0; i < 200; ++i) log.write(record("0a1b2c3d"));
    });
  for (auto& t : threads) t.join();
  auto all = lines();
  ASSERT_EQ(all.size(), 800u);
  for (const auto& l : all) EXPECT_EQ(l, record("0a1b2c3d").to_json());
}

}  // namespace
