// The recorder's transcript of what a client sent, fed the way the server feeds it: reads cut
// at arbitrary points. Message content is counted, never split into lines; only a lone "." ends
// it, however the reads fall.
#include "sim/fake_mx/recorder.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <random>

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

// A closed session keeps its transcript, not the buffer its reads were framed in: that buffer
// grows to the largest read (a whole message body here) and once stayed allocated for every
// session of the run, about 15 KB each under smtp-source.
TEST(Recorder, AClosedSessionReleasesItsReadBuffer) {
  fakemx::Recorder r("mx");
  const std::string body(16 * 1024 - 2, 'x');
  auto run_session = [&](int i) {
    auto ev = [&](trace::EventKind kind, std::string payload) {
      auto e = event(kind, std::move(payload));
      e.session_id = "s" + std::to_string(i);
      return e;
    };
    r.publish(ev(trace::EventKind::Connected, {}));
    r.publish(ev(trace::EventKind::Write, "354 go ahead\r\n"));
    r.publish(ev(trace::EventKind::Read, body + "\r\n"));  // one read: the buffer grows to hold it
    r.publish(ev(trace::EventKind::Read, ".\r\nQUIT\r\n"));
    r.publish(ev(trace::EventKind::Closed, {}));
  };
  run_session(0);  // the first one sizes the recorder's own vectors and tables
  constexpr int kSessions = 200;
  const std::size_t before = mallinfo2().uordblks;
  for (int i = 1; i <= kSessions; ++i) run_session(i);
  const std::size_t grown = mallinfo2().uordblks - before;
  EXPECT_LT(grown, kSessions * std::size_t{4096}) << grown / kSessions << " bytes kept per closed session";
  ASSERT_EQ(r.sessions().size(), std::size_t{kSessions + 1});
}

// The transcript must not depend on where the reads were cut: random streams over the bytes
// that matter to framing (CR, LF, ".", text), each fed whole and again in random pieces, in
// command mode and starting after a 354. Seeded, so a failure names a reproducible case.
TEST(Recorder, RandomStreamsGiveTheSameTranscriptHoweverTheyAreCut) {
  std::mt19937 rng(20261203);
  const std::string alphabet = "\r\n.\r\n.ab ";
  auto transcript = [](const std::string& wire, const std::vector<std::size_t>& cuts, bool in_data) {
    fakemx::Recorder r("mx");
    if (in_data) r.publish(event(trace::EventKind::Write, "354 go ahead\r\n"));
    std::size_t from = 0;
    for (std::size_t to : cuts) {
      r.publish(event(trace::EventKind::Read, wire.substr(from, to - from)));
      from = to;
    }
    r.publish(event(trace::EventKind::Read, wire.substr(from)));
    return client_lines(r);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string wire(std::uniform_int_distribution<std::size_t>(0, 60)(rng), ' ');
    for (char& c : wire) c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    std::vector<std::size_t> cuts(std::uniform_int_distribution<std::size_t>(0, 6)(rng));
    for (auto& c : cuts) c = std::uniform_int_distribution<std::size_t>(0, wire.size())(rng);
    std::sort(cuts.begin(), cuts.end());
    const bool in_data = round % 2 == 1;
    ASSERT_EQ(transcript(wire, cuts, in_data), transcript(wire, {}, in_data))
        << "round " << round << (in_data ? " (after 354)" : "") << ", wire: " << ::testing::PrintToString(wire);
  }
}
