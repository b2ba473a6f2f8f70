// Mta's lifecycle from several threads, as the Python module drives it: start and stop with
// queue snapshots and port queries racing them, and a restart over the same spool.
#include "mta/core/mta.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <unistd.h>

using namespace mxlab;
using namespace std::chrono_literals;

namespace {

config::MtaConfig test_config(const std::string& name) {
  config::MtaConfig c;
  auto dir = std::filesystem::temp_directory_path() / ("mxlab-core-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  c.spool.path = (dir / "spool").string();
  c.listeners = {{"127.0.0.1", 0}};
  c.admin.enabled = false;
  c.resolver.nameservers = {"127.0.0.1:1"};  // nothing is delivered in these tests
  return c;
}

TEST(MtaLifecycle, StopWhileAnotherThreadTakesSnapshotsNeverHangs) {
  for (int round = 0; round < 5; ++round) {
    core::Mta mta(test_config("snapshot"));
    ASSERT_TRUE(mta.start());
    std::atomic<bool> go{true};
    auto reader = std::async(std::launch::async, [&] {
      std::size_t calls = 0;
      while (go) {
        mta.queue_snapshot();
        (void)mta.smtp_port();
        ++calls;
      }
      return calls;
    });
    std::this_thread::yield();
    auto stopped = std::async(std::launch::async, [&] { mta.stop(500ms); });
    ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready) << "stop() hung";
    go = false;
    ASSERT_EQ(reader.wait_for(10s), std::future_status::ready) << "queue_snapshot() hung after stop()";
    EXPECT_EQ(mta.smtp_port(), 0u);
    EXPECT_TRUE(mta.queue_snapshot().empty());
  }
}

TEST(MtaLifecycle, PortsAreKnownWhileRunningAndZeroAfterStop) {
  core::Mta mta(test_config("ports"));
  ASSERT_TRUE(mta.start());
  EXPECT_NE(mta.smtp_port(), 0u);
  EXPECT_EQ(mta.smtp_port(1), 0u);
  mta.stop(100ms);
  EXPECT_EQ(mta.smtp_port(), 0u);
  mta.stop(100ms);  // idempotent
}

}  // namespace
