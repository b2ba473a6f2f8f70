// A fake MX host: a real SMTP server on its own 127.0.0.N address that records every
// transaction (envelope, data, transcript) and reacts according to its rules. Runs on its own
// thread; every public method is thread-safe.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/common/expected.hpp"
#include "mta/server/smtp_server.hpp"
#include "sim/fake_mx/behaviour.hpp"

namespace mxlab::fakemx {

struct MxHostConfig {
  std::string name = "mx";            // label used in reports ("mx1.example.com")
  std::string address = "127.0.0.2";  // each host its own loopback address
  std::uint16_t port = 0;             // 0 = ephemeral
  std::vector<Rule> rules;
  server::ServerOptions server;       // capabilities and limits
};

struct RecordedTransaction {
  std::string host;  // MxHostConfig::name
  std::string client_address;
  std::string helo;
  std::string mail_from;
  std::vector<std::string> rcpt_to;  // accepted recipients only
  std::string data;
  TimePoint received{};
};

class MxHost {
 public:
  explicit MxHost(MxHostConfig config);
  ~MxHost();
  Status start();
  void stop();
  const MxHostConfig& config() const;
  std::uint16_t port() const;
  std::vector<RecordedTransaction> transactions() const;
  // Blocks until at least n transactions are recorded or the timeout passes; returns the count.
  std::size_t wait_for_transactions(std::size_t n, std::chrono::milliseconds timeout) const;
  RulePolicy& policy();
  std::uint64_t connections() const;  // sessions accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxlab::fakemx
