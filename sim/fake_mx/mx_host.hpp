// A fake MX host: a real SMTP server on its own 127.0.0.N address that records every session
// and transaction (envelope, data, transcript) and reacts according to its rules and options.
// Runs on its own thread; every public method is thread-safe.
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
#include "sim/fake_mx/recorder.hpp"
#include "sim/fake_mx/tls/tls_config.hpp"

namespace mxlab::fakemx {

struct MxHostConfig {
  std::string name = "mx";            // label used in reports ("mx1.example.com")
  std::string address = "127.0.0.2";  // each host its own loopback address
  std::uint16_t port = 0;             // 0 = ephemeral
  std::vector<Rule> rules;
  server::ServerOptions server;       // capabilities and limits
  TlsConfig tls;                      // certificate, STARTTLS/implicit, TLS faults (default: none)
  BehaviourOptions behaviour;         // seed, address conventions, tarpit, greylisting
  bool refuse = false;                // configured but not listening: the port is bound, connects are refused
  std::string record_path;            // write the recording as JSON here on stop(); empty = don't
  RecordingLevel recording = RecordingLevel::Full;  // what the recording keeps (recorder.hpp)
};

class MxHost {
 public:
  explicit MxHost(MxHostConfig config);
  ~MxHost();
  Status start();
  void stop();
  const MxHostConfig& config() const;
  std::uint16_t port() const;
  std::vector<RecordedTransaction> transactions() const;  // accepted at end of data
  std::vector<RecordedTransaction> refused() const;       // refused at end of data, with the reply
  std::vector<RecordedSession> sessions() const;
  // Blocks until at least n transactions are recorded or the timeout passes; returns the count.
  std::size_t wait_for_transactions(std::size_t n, std::chrono::milliseconds timeout) const;
  // Blocks until at least n sessions have closed or the timeout passes; returns the count.
  std::size_t wait_for_sessions(std::size_t n, std::chrono::milliseconds timeout) const;
  RulePolicy& policy();
  Recorder& recorder();
  std::uint64_t connections() const;  // sessions accepted so far
  // Forgets recordings, greylist triplets, rule match counts and reseeds the RNG.
  void reset();
  std::string recording_json() const;
  Status write_recording(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxlab::fakemx
