// fakemx blast: an SMTP load generator. Many concurrent sessions send N messages of a given size
// and recipient count, at an optional rate, using PIPELINING (RFC 2920) and STARTTLS (RFC 3207)
// when the server offers them; the result is counted per outcome with latency percentiles.
// Asio stays in blast.cpp.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "mta/common/expected.hpp"

namespace mxlab::fakemx {

struct BlastOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 25;
  std::size_t connections = 10;        // concurrent sessions
  std::size_t messages = 100;          // total messages to send
  std::size_t per_connection = 100;    // messages per session before QUIT and a new connection; 0 = no limit
  std::size_t size = 1024;             // approximate message size in bytes (headers included)
  std::size_t recipients = 1;          // RCPT TO per message
  double rate = 0;                     // messages per second over the run; 0 = as fast as possible
  bool pipelining = true;              // use PIPELINING when offered
  bool starttls = true;                // use STARTTLS when offered (certificates are not verified)
  std::string ehlo = "blast.mxlab.test";
  std::string mail_from = "blast@origin.test";  // {n}: message number
  std::string rcpt_to = "rcpt{r}@blast.test";   // {n}: message number, {r}: recipient number
  std::chrono::milliseconds timeout{30000};     // connect and each reply
  std::string ids_file;  // append the queue id of every message answered 250, one a line, as it is acknowledged
  std::chrono::milliseconds progress_interval{250};
};

struct BlastProgress {
  std::size_t total = 0;
  std::size_t done = 0;  // accepted + deferred + rejected + errors
  std::size_t accepted = 0;
  double elapsed_s = 0;
};

struct BlastResult {
  std::size_t sent = 0;      // messages whose transaction was started (MAIL written)
  std::size_t accepted = 0;  // end-of-data answered 2xx
  std::size_t deferred = 0;  // a 4xx refused the message (MAIL, every RCPT, DATA or end of data)
  std::size_t rejected = 0;  // a 5xx refused it
  std::size_t errors = 0;    // connection refused, lost, timed out, or a malformed reply
  std::size_t connections = 0;
  std::size_t tls_sessions = 0;
  std::size_t pipelined_sessions = 0;
  double elapsed_s = 0;
  double rate = 0;  // accepted per second
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;  // MAIL to end-of-data reply
  std::string first_error;  // the first error or refusal seen, for diagnosis
  std::string json() const;
};

using BlastProgressFn = std::function<void(const BlastProgress&)>;

// Runs the load to completion on the calling thread. Fails only for bad options or an
// unwritable ids file; everything the server does is counted in the result.
Expected<BlastResult> run_blast(const BlastOptions& options, const BlastProgressFn& progress = {});

// "{n}"/"{r}" substitution used for the envelope addresses.
std::string blast_address(const std::string& pattern, std::size_t message, std::size_t recipient);
// The message sent as number n: headers (Message-ID, X-Blast-Id) and a body filling `size` bytes.
std::string blast_message(const BlastOptions& options, std::size_t n);

}  // namespace mxlab::fakemx
