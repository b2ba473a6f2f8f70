// The recorder's transcript of what a client sent, fed the way the server feeds it: reads cut
// at arbitrary points. Message content is counted, never split into lines; only a lone "." ends
// it, however the reads fall.
#include "sim/fake_mx/recorder.hpp"

#include <gtest/gtest.h>

using namespace mxlab;

namespace {

trace::TraceEvent event(trace::EventKind kind, std::string payload) {
  return {trace::Direction::Server, kind, "s1", "127.0.0.1:1000", "127.0.0.2:25", std::move(payload)};
}

std::vector<std::string> client_lines(const fakemx::Recorder& r) {
  std::vector<std::string> out;
  const auto sessions = r.sessions();
  for (const auto& l : sessions.at(0).transcript)
    if (l.direction == 'C') out.push_back(l.text);
  return out;
}

}  // namespace

TEST(Recorder, MessageContentIsCountedWhereverTheReadsAreCut) {
  // A stuffed dot line, a line that is "." plus text, and CRLF.CRLF only at the very end.
  const std::string content = "Subject: x\r\n\r\n..stuffed\r\n.x\r\nlast\r\n";
  const std::string wire = content + ".\r\nQUIT\r\n";
  for (std::size_t cut1 = 0; cut1 <= wire.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= wire.size(); cut2 += 3) {
      fakemx::Recorder r("mx");
      r.publish(event(trace::EventKind::Connected, {}));
      r.publish(event(trace::EventKind::Read, "DATA\r\n"));
      r.publish(event(trace::EventKind::Write, "354 End data with <CR><LF>.<CR><LF>\r\n"));
      r.publish(event(trace::EventKind::Read, wire.substr(0, cut1)));
      r.publish(event(trace::EventKind::Read, wire.substr(cut1, cut2 - cut1)));
      r.publish(event(trace::EventKind::Read, wire.substr(cut2)));
      std::vector<std::string> want = {"DATA", "<message: " + std::to_string(content.size()) + " bytes>", ".",
                                       "QUIT"};
      ASSERT_EQ(client_lines(r), want) << "reads cut at " << cut1 << " and " << cut2;
    }
  }
}

TEST(Recorder, EmptyMessageAndCommandsAfterIt) {
  fakemx::Recorder r("mx");
  r.publish(event(trace::EventKind::Write, "354 go ahead\r\n"));
  r.publish(event(trace::EventKind::Read, ".\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"));
  std::vector<std::string> want = {"<message: 0 bytes>", ".", "MAIL FROM:<a@b>", "RCPT TO:<c@d>"};
  EXPECT_EQ(client_lines(r), want);
}
