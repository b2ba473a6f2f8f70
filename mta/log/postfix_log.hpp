// The Postfix-style mail log: turns the delivery log's records into the lines Postfix's cleanup,
// qmgr and smtp daemons would write (syslog-prefixed), so Postfix log tools and mxlab's flow
// tracer read mtad like a Postfix host. Thread-safe; one line per write, flushed.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "mta/common/expected.hpp"
#include "mta/log/log_record.hpp"

namespace mxlab::log {

class PostfixLog {
 public:
  PostfixLog() = default;
  ~PostfixLog();
  PostfixLog(const PostfixLog&) = delete;
  PostfixLog& operator=(const PostfixLog&) = delete;

  // Append mode. `host` is the syslog host field; `relay_port` the port shown in relay=.
  Status open(const std::string& path, std::string host, std::uint16_t relay_port);
  // Reception: client=, message-id=; the first attempt adds "from=.. (queue active)"; every
  // outcome adds a to= line; the last final outcome of a message adds "removed". Messages
  // recovered after a restart get to= lines only (their recipient count is not known here).
  void write(const LogRecord& record);

 private:
  void emit(TimePoint t, const char* program, const std::string& text);  // caller holds mu_

  struct Pending {
    std::size_t recipients = 0;
    bool active = false;  // "queue active" line written
  };
  std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::string host_;
  std::uint16_t relay_port_ = 25;
  std::map<std::string, Pending> pending_;  // by queue id
};

}  // namespace mxlab::log
