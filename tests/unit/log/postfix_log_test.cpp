// PostfixLog: the sequence of Postfix lines one message produces (client, message-id, queue
// active, to=, removed), with the syslog prefix, and nothing for a message still deferred.
#include "mta/log/postfix_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

using namespace mxlab;
using namespace mxlab::log;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0 = TimePoint{} + 1'764'000'000s;

std::vector<std::string> lines_without_prefix(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  const std::regex prefix(R"(^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d edge\.test postfix/\w+\[\d+\]: )");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(line, m, prefix)) << line;
    out.push_back(m.suffix());
  }
  return out;
}

LogRecord base(RecordType type) {
  LogRecord r;
  r.type = type;
  r.id = "3F2A9C1B";
  r.sender = "alice@example.org";
  r.size = 321;
  r.timestamp = kT0;
  r.created = kT0;
  r.headers["Message-ID"] = "<m1@example.org>";
  return r;
}

}  // namespace

TEST(PostfixLog, OneMessageFromReceptionToRemoval) {
  const std::string path = (std::filesystem::temp_directory_path() / "postfix_log_test.log").string();
  std::filesystem::remove(path);
  {
    PostfixLog log;
    ASSERT_TRUE(log.open(path, "edge.test", 2525));
    for (const char* rcpt : {"bob@example.com", "carol@example.com"}) {
      LogRecord r = base(RecordType::Reception);
      r.recipient = rcpt;
      r.peer_address = {"client.test", "127.0.0.1:40000"};
      log.write(r);
    }
    LogRecord sent = base(RecordType::Delivery);
    sent.recipient = "bob@example.com";
    sent.peer_address = {"hub.test", "127.0.0.3"};
    sent.response = {250, smtp::EnhancedCode{2, 0, 0}, "Ok: queued as 0000BEEF", "."};
    sent.timestamp = kT0 + 1500ms;
    sent.delays = Delays{0ms, 1000ms, 200ms, 300ms};
    log.write(sent);
    LogRecord deferred = sent;
    deferred.type = RecordType::TransientFailure;
    deferred.recipient = "carol@example.com";
    deferred.response = {451, smtp::EnhancedCode{4, 7, 1}, "try later", "RCPT TO:<carol@example.com>"};
    log.write(deferred);
    LogRecord later = sent;
    later.recipient = "carol@example.com";
    log.write(later);
  }
  EXPECT_EQ(lines_without_prefix(path),
            (std::vector<std::string>{
                "3F2A9C1B: client=client.test[127.0.0.1]",
                "3F2A9C1B: message-id=<m1@example.org>",
                "3F2A9C1B: from=<alice@example.org>, size=321, nrcpt=2 (queue active)",
                "3F2A9C1B: to=<bob@example.com>, relay=hub.test[127.0.0.3]:2525, delay=1.5, delays=0/1/0.2/0.3, "
                "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 0000BEEF)",
                "3F2A9C1B: to=<carol@example.com>, relay=hub.test[127.0.0.3]:2525, delay=1.5, delays=0/1/0.2/0.3, "
                "dsn=4.7.1, status=deferred (host hub.test[127.0.0.3] said: 451 4.7.1 try later (in reply to RCPT "
                "TO command))",
                "3F2A9C1B: to=<carol@example.com>, relay=hub.test[127.0.0.3]:2525, delay=1.5, delays=0/1/0.2/0.3, "
                "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 0000BEEF)",
                "3F2A9C1B: removed",
            }));
  std::filesystem::remove(path);
}
