// Hostile and malformed SMTP against the real server on loopback: one table row per attack, each
// with the exact replies and the state afterwards (messages handed over, what was stored, whether
// the session is closed or still in step). Then the timing attacks: slowloris against the idle
// and session deadlines, a client that stops reading, and thousands of idle connections against
// the total and per-address limits. docs/RELIABILITY.md lists every case with its reply.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <functional>

#include "tests/unit/server/wire_client.hpp"

using namespace mxlab;
using namespace std::chrono_literals;
using wire::TestServer;
using wire::WireClient;

namespace {

struct Exchange {
  std::string send;    // bytes written at once
  std::string expect;  // every reply they get, in order, CRLFs included
};

struct Case {
  std::string name{};
  std::vector<Exchange> script{};
  int messages = 0;          // messages handed to the MessageHandler at the end
  std::string data{};        // the last message's data (checked when messages > 0)
  bool closed = false;       // the server has closed the connection
  std::string from{};        // the last message's sender (checked when not empty)
  std::size_t rcpts = 0;     // the last message's recipient count (checked when not 0)
  std::function<void(server::ServerOptions&)> tweak = nullptr;
};

const std::string kHelo = "HELO client.example\r\n";
const std::string kHeloOk = "250 localhost\r\n";
const std::string kMail = "MAIL FROM:<a@example.com>\r\n";
const std::string kMailOk = "250 2.1.0 Ok\r\n";
const std::string kRcpt = "RCPT TO:<b@example.net>\r\n";
const std::string kRcptOk = "250 2.1.5 Ok\r\n";
const std::string kDataOk = "354 End data with <CR><LF>.<CR><LF>\r\n";
const std::string kQueued = "250 2.0.0 Ok: queued\r\n";
const std::string kNoop = "NOOP\r\n";
const std::string kNoopOk = "250 2.0.0 Ok\r\n";
const std::string kNeedMail = "503 5.5.1 Error: need MAIL command\r\n";
const std::string kNeedRcpt = "503 5.5.1 Error: need RCPT command\r\n";
const std::string kBareLf = "500 5.5.2 Error: bare <LF> received\r\n";
const std::string kBareCr = "500 5.5.2 Error: bare <CR> received\r\n";
const std::string kBareInCommand = "500 5.5.2 Error: bare <CR> or <LF> in command\r\n";
const std::string kTooLong = "500 5.5.2 Error: line too long\r\n";
const std::string kTooBig = "552 5.3.4 Error: message size exceeds fixed limit\r\n";

// HELO, MAIL, RCPT, DATA as one pipelined group, up to the 354.
Exchange open_data() { return {kHelo + kMail + kRcpt + "DATA\r\n", kHeloOk + kMailOk + kRcptOk + kDataOk}; }
Exchange envelope() { return {kHelo + kMail + kRcpt, kHeloOk + kMailOk + kRcptOk}; }

int count_replies(const std::string& expect) {
  int n = 0;
  for (std::size_t at = 0; at < expect.size();) {
    std::size_t nl = expect.find("\r\n", at);
    if (nl == std::string::npos) break;
    if (nl - at < 4 || expect[at + 3] != '-') ++n;
    at = nl + 2;
  }
  return n;
}

std::string read_replies(WireClient& c, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    std::string r = c.read_reply();
    if (r.empty()) break;
    out += r;
  }
  return out;
}

Case ten_thousand_recipients() {
  Case c{"TenThousandRcptsAreCappedAt100With452"};
  std::string rcpts, replies;
  for (int i = 0; i < 10000; ++i) {
    rcpts += "RCPT TO:<r" + std::to_string(i) + "@example.net>\r\n";
    replies += i < 100 ? kRcptOk : "452 4.5.3 Error: too many recipients\r\n";
  }
  c.script = {{kHelo + kMail + rcpts + "DATA\r\n", kHeloOk + kMailOk + replies + kDataOk},
              {"x\r\n.\r\n", kQueued}};
  c.messages = 1;
  c.data = "x\r\n";
  c.rcpts = 100;
  return c;
}

std::vector<Case> cases() {
  const std::string mb(1024 * 1024, 'a');
  std::vector<Case> v = {
      // ---- line endings in commands (RFC 5321 2.3.8) ----
      {"BareLfEndsNoCommand", {{"NOOP\n", kBareLf}}},
      {"BareLfMailIsNotTaken", {{kHelo, kHeloOk}, {"MAIL FROM:<a@example.com>\n", kBareLf}, {kRcpt, kNeedMail}}},
      {"BareLfAfterCrlfCommandsOnlyTheLfLineRefused", {{"NOOP\r\nNOOP\nNOOP\r\n", kNoopOk + kBareLf + kNoopOk}}},
      {"BareCrInsideCommand", {{"NOOP\rRSET\r\n", kBareInCommand}}},
      {"CrCrLfCommand", {{"NOOP\r\r\n", kBareInCommand}}},
      {"BareCrSmugglesNoSecondCommand", {{kHelo, kHeloOk}, {"NOOP\rMAIL FROM:<e@evil.example>\r\n", kBareInCommand},
                                         {kRcpt, kNeedMail}}},
      // ---- line endings in DATA and the smuggling variants: only CRLF.CRLF ends data ----
      {"BareLfInDataRefusesTheMessage", {open_data(), {"a\nb\r\n.\r\n", kBareLf}}},
      {"BareCrInDataRefusesTheMessage", {open_data(), {"a\rb\r\n.\r\n", kBareCr}}},
      {"SmuggleLfDotLf",
       {open_data(), {"x\r\n\n.\nMAIL FROM:<e@evil.example>\r\nRCPT TO:<v@example.net>\r\nDATA\r\nevil\r\n.\r\n", kBareLf},
        {kRcpt, kNeedMail}}},
      {"SmuggleLfDotCrLf", {open_data(), {"x\n.\r\nMAIL FROM:<e@evil.example>\r\n.\r\n", kBareLf}, {kRcpt, kNeedMail}}},
      {"SmuggleCrLfDotLf", {open_data(), {"x\r\n.\nMAIL FROM:<e@evil.example>\r\n.\r\n", kBareLf}, {kRcpt, kNeedMail}}},
      {"SmuggleCrDotCr", {open_data(), {"x\r.\rMAIL FROM:<e@evil.example>\r\n.\r\n", kBareCr}, {kRcpt, kNeedMail}}},
      {"SmuggleCrLfDotCr", {open_data(), {"x\r\n.\rMAIL FROM:<e@evil.example>\r\n.\r\n", kBareCr}, {kRcpt, kNeedMail}}},
      {"SmuggleDotCrLfWithoutLeadingCrlfStaysData",
       {open_data(), {"x\r\n.\r.\r\n.\r\n", kBareCr}}},
      {"DotStuffedLinesAreUnstuffedOnce", {open_data(), {"..x\r\n...\r\n.\r\n", kQueued}}, 1, ".x\r\n..\r\n"},
      {"CleanMessageAfterRefusedOneIsAccepted",
       {open_data(), {"a\nb\r\n.\r\n", kBareLf}, {kMail + kRcpt + "DATA\r\n", kMailOk + kRcptOk + kDataOk},
        {"clean\r\n.\r\n", kQueued}},
       1, "clean\r\n"},
      // ---- long lines (RFC 5321 4.5.3.1.4-6) ----
      {"OneMegabyteCommandLine", {{"NOOP " + mb + "\r\n", kTooLong}}},
      {"OneMegabyteLineWithoutTerminatorThenCommand", {{mb, ""}, {"\r\n" + kNoop, kTooLong + kNoopOk}}},
      {"OneMegabyteDataLine", {open_data(), {mb + "\r\n.\r\n", kTooLong}}},
      {"DataLineOf998OctetsIsAccepted",
       {open_data(), {std::string(998, 'b') + "\r\n.\r\n", kQueued}}, 1, std::string(998, 'b') + "\r\n"},
      {"DataLineOf999OctetsIsTooLong", {open_data(), {std::string(999, 'b') + "\r\n.\r\n", kTooLong}}},
      // ---- octets in commands ----
      {"NulInCommand", {{std::string("NOOP\0x\r\n", 8), "500 5.5.2 Error: NUL character in command\r\n"}}},
      {"NulInMailAddress",
       {{kHelo, kHeloOk}, {std::string("MAIL FROM:<a\0@example.com>\r\n", 28), "500 5.5.2 Error: NUL character in command\r\n"},
        {kRcpt, kNeedMail}}},
      {"ControlCharacterInCommand", {{"NOOP\x01\r\n", "500 5.5.2 Error: control character in command\r\n"}}},
      {"DelInCommand", {{"NOOP\x7f\r\n", "500 5.5.2 Error: control character in command\r\n"}}},
      {"EightBitVerb", {{"NO\xc3\x96P\r\n", "500 5.5.2 Error: command not recognized\r\n"}}},
      {"EightBitHelo", {{"HELO h\xc3\xb6st.example\r\n", "500 5.5.2 Error: non-ASCII character in command\r\n"}}},
      {"EightBitSenderWithoutSmtputf8",
       {{kHelo, kHeloOk}, {"MAIL FROM:<j\xc3\xb6@example.com>\r\n", "553 5.6.7 Error: non-ASCII address requires SMTPUTF8\r\n"}}},
      {"InvalidUtf8Sender", {{kHelo, kHeloOk}, {"MAIL FROM:<j\xff@example.com>\r\n", "500 5.5.2 Error: bad UTF-8 syntax\r\n"}}},
      {"EightBitSenderWithSmtputf8Accepted",
       {{kHelo, kHeloOk}, {"MAIL FROM:<j\xc3\xb6@example.com> SMTPUTF8\r\n", kMailOk}, {kRcpt + "DATA\r\n", kRcptOk + kDataOk},
        {"x\r\n.\r\n", kQueued}},
       1, "x\r\n", false, "j\xc3\xb6@example.com"},
      {"EightBitInParameters",
       {{kHelo, kHeloOk}, {"MAIL FROM:<a@example.com> BODY=8BIT\xc3\x96\r\n", "500 5.5.2 Error: non-ASCII character in command\r\n"}}},
      // ---- command order (RFC 5321 4.1.4) ----
      {"MailBeforeHelo", {{kMail, "503 5.5.1 Error: send HELO/EHLO first\r\n"}}},
      {"RcptBeforeHelo", {{kRcpt, kNeedMail}}},
      {"DataBeforeHelo", {{"DATA\r\n", kNeedRcpt}}},
      {"MailTwiceKeepsTheFirstSender",
       {envelope(), {"MAIL FROM:<second@example.com>\r\nDATA\r\n", "503 5.5.1 Error: nested MAIL command\r\n" + kDataOk},
        {"x\r\n.\r\n", kQueued}},
       1, "x\r\n", false, "a@example.com"},
      {"RcptBeforeMail", {{kHelo, kHeloOk}, {kRcpt, kNeedMail}}},
      {"DataBeforeRcpt", {{kHelo + kMail, kHeloOk + kMailOk}, {"DATA\r\n", kNeedRcpt}}},
      {"DataWithNoValidRcpt",
       {{kHelo + kMail, kHeloOk + kMailOk},
        {"RCPT TO:<j\xc3\xb6@example.net>\r\nRCPT TO:<not an address>\r\nDATA\r\n",
         "553 5.6.7 Error: non-ASCII address requires SMTPUTF8\r\n501 5.1.3 Bad recipient address syntax\r\n" + kNeedRcpt}}},
      {"RsetDropsTheTransaction", {envelope(), {"RSET\r\nDATA\r\n", "250 2.0.0 Ok\r\n" + kNeedRcpt}}},
      {"HeloWithoutDomain", {{"HELO\r\n", "501 5.5.4 Syntax: HELO hostname\r\n"}}},
      {"EmptyLine", {{"\r\n", "500 5.5.2 Error: bad syntax\r\n"}}},
      {"UnknownCommand", {{"XYZZY\r\n", "500 5.5.2 Error: command not recognized\r\n"}}},
      {"StarttlsWithoutTls", {{"STARTTLS\r\n", "502 5.5.1 Error: command not implemented\r\n"}}},
      {"BdatWithoutChunking", {{"BDAT 5 LAST\r\n", "502 5.5.1 Error: command not implemented\r\n"}}},
      {"TooManyErrorsClose", {{[] {
                                 std::string s;
                                 for (int i = 0; i < 20; ++i) s += "XYZZY\r\n";
                                 return s;
                               }(),
                               [] {
                                 std::string s;
                                 for (int i = 0; i < 19; ++i) s += "500 5.5.2 Error: command not recognized\r\n";
                                 return s + "421 4.7.0 localhost Error: too many errors\r\n";
                               }()}},
       0, "", true},
      // ---- size and recipient limits ----
      ten_thousand_recipients(),
      {"DeclaredSizeOverTheLimit",
       {{kHelo + "MAIL FROM:<a@example.com> SIZE=10001\r\n" + kRcpt, kHeloOk + kTooBig + kNeedMail}}},
      {"DeclaredSizeOverflow",
       {{kHelo + "MAIL FROM:<a@example.com> SIZE=99999999999999999999999\r\n",
         kHeloOk + "501 5.5.4 Bad SIZE parameter value\r\n"}}},
      {"ManyShortLinesOverTheLimit",
       {open_data(),
        {[] {
           std::string s;
           for (int i = 0; i < 200; ++i) s += std::string(98, 'z') + "\r\n";
           return s + ".\r\n";
         }(),
         kTooBig},
        {kRcpt, kNeedMail}}},
      // ---- pipelining (RFC 2920) ----
      {"WholeTransactionPipelinedWithQuit",
       {{kHelo + kMail + kRcpt + "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n",
         kHeloOk + kMailOk + kRcptOk + kDataOk + kQueued + "221 2.0.0 Bye\r\n"}},
       1, "Subject: x\r\n\r\nbody\r\n", true},
      {"CommandsPipelinedAfterDataAreMessageText",
       {open_data(), {"QUIT\r\nRSET\r\n.\r\n", kQueued}}, 1, "QUIT\r\nRSET\r\n"},
      {"PipelinedAfterRefusedDataAreRefusedCommands",
       {{kHelo + kMail, kHeloOk + kMailOk},
        {"RCPT TO:<bad address>\r\nDATA\r\nhello\r\n.\r\n",
         "501 5.1.3 Bad recipient address syntax\r\n" + kNeedRcpt + "500 5.5.2 Error: command not recognized\r\n" +
             "500 5.5.2 Error: command not recognized\r\n"}}},
      {"QuitIgnoresWhatFollows", {{"QUIT\r\nNOOP\r\nNOOP\r\n", "221 2.0.0 Bye\r\n"}}, 0, "", true},
      // ---- deadlines ----
      {"IdleClientGets421", {{"", "421 4.4.2 localhost Error: timeout exceeded\r\n"}}, 0, "", true, "", 0,
       [](server::ServerOptions& o) { o.idle_timeout = 200ms; }},
      {"IdleInsideDataGets421", {open_data(), {"half a line", "421 4.4.2 localhost Error: timeout exceeded\r\n"}}, 0, "",
       true, "", 0, [](server::ServerOptions& o) { o.idle_timeout = 300ms; }},
  };
  return v;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class HostileSmtp : public testing::TestWithParam<Case> {};

TEST_P(HostileSmtp, ExactRepliesAndStateAfter) {
  const Case& c = GetParam();
  server::ServerOptions options;
  options.max_message_size = 10000;
  if (c.tweak) c.tweak(options);
  TestServer s(options);
  ASSERT_TRUE(s.ok);
  WireClient client("127.0.0.1", s.server.port(), 5s);
  ASSERT_EQ(client.read_reply(), "220 localhost ESMTP mxlab\r\n");
  for (const auto& step : c.script) {
    if (!step.send.empty()) client.send(step.send);
    EXPECT_EQ(read_replies(client, count_replies(step.expect)), step.expect) << "after sending: " << step.send.substr(0, 200);
  }
  if (c.closed) {
    EXPECT_EQ(client.read_to_close(), "");
    EXPECT_EQ(client.error(), boost::asio::error::eof) << client.error().message();
  } else {
    client.send(kNoop);  // still open, and in step: nothing else is queued before the answer
    EXPECT_EQ(client.read_reply(), kNoopOk);
  }
  std::lock_guard lock(s.handler.mu);
  EXPECT_EQ(s.handler.messages, c.messages);
  if (c.messages > 0) {
    EXPECT_EQ(s.handler.last_data, c.data);
  }
  if (!c.from.empty()) {
    EXPECT_EQ(s.handler.last_from, c.from);
  }
  if (c.rcpts > 0) {
    EXPECT_EQ(s.handler.last_rcpts, c.rcpts);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileSmtp, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

TEST(HostileSmtpTable, HasAtLeastFortyCases) { EXPECT_GE(cases().size(), 40u); }

// Polls `done` until it holds or the deadline passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds deadline = 5s) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Slowloris: a byte every 50 ms never lets the 300 ms idle timeout fire, so only the session
// deadline ends the connection.
TEST(HostileTiming, SlowlorisIsCutAtTheSessionDeadlineNotTheIdleOne) {
  server::ServerOptions options;
  options.idle_timeout = 300ms;
  options.session_timeout = 1s;
  TestServer s(options);
  WireClient c("127.0.0.1", s.server.port(), 5s);
  c.read_reply();
  auto start = std::chrono::steady_clock::now();
  const std::string drip = "NOOP\r\n";
  std::string got;
  for (int i = 0; std::chrono::steady_clock::now() - start < 3s; ++i) {
    boost::system::error_code ec;
    boost::asio::write(c.socket(), boost::asio::buffer(&drip[i % drip.size()], 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(50ms);
    if (s.server.active_sessions() == 0) break;
  }
  got = c.read_to_close();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(got.find("421 4.4.2 localhost Error: session time limit exceeded\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("timeout exceeded"), std::string::npos) << got;  // the idle timeout never fired
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 2500ms);
}

// The same drip with no session deadline is a slow but legitimate client: it is served.
TEST(HostileTiming, SlowClientUnderTheIdleTimeoutIsServed) {
  server::ServerOptions options;
  options.idle_timeout = 300ms;
  TestServer s(options);
  WireClient c("127.0.0.1", s.server.port(), 5s);
  c.read_reply();
  for (char ch : std::string("NOOP\r\n")) {
    boost::asio::write(c.socket(), boost::asio::buffer(&ch, 1));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(c.read_reply(), "250 2.0.0 Ok\r\n");
}

// A client that pipelines commands and never reads its replies: once the socket buffers are
// full the server's write waits, and the idle deadline ends the session (its slot is freed).
TEST(HostileTiming, ClientThatStopsReadingIsDroppedAtTheWriteDeadline) {
  server::ServerOptions options;
  options.idle_timeout = 300ms;
  TestServer s(options);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  sock.open(boost::asio::ip::tcp::v4());
  sock.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), s.server.port()});
  sock.non_blocking(true);
  std::string noops;
  for (int i = 0; i < 4096; ++i) noops += kNoop;
  ASSERT_TRUE(eventually([&] { return s.server.active_sessions() == 1; }));
  // Write until our side blocks too (the server stopped reading because it cannot write).
  auto start = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  while (std::chrono::steady_clock::now() - start < 3s) {
    boost::system::error_code ec;
    sent += sock.write_some(boost::asio::buffer(noops), ec);
    if (ec == boost::asio::error::would_block) {
      std::this_thread::sleep_for(5ms);
      if (s.server.active_sessions() == 0) break;
      continue;
    }
    if (ec) break;  // reset by the server: also an end
  }
  EXPECT_GT(sent, 100000u);  // far more replies than the 4 KB we let in
  EXPECT_TRUE(eventually([&] { return s.server.active_sessions() == 0; }, 3s));
}

// A bare client socket from `source` (any 127.0.0.N): a thousand WireClients would each bring an
// io_context and its descriptors.
struct RawClient {
  RawClient(const std::string& source, std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &a.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd); }
  // Everything up to the first CRLF (greetings here are one line).
  std::string line() {
    std::string out;
    char ch;
    while (!out.ends_with("\r\n") && ::recv(fd, &ch, 1, 0) == 1) out += ch;
    return out;
  }
  bool closed_after_line() {
    char ch;
    return ::recv(fd, &ch, 1, 0) == 0;
  }
  int fd = -1;
  bool connected = false;
};

// Thousands of idle connections: 1000 fill the total limit (50 per address from 20 addresses),
// the next ones get 421 4.7.0, the 51st from one address too, and closed slots are free again.
TEST(HostileTiming, ThousandsOfIdleConnectionsMeetTheLimits) {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 4096));
  ::setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 2200) GTEST_SKIP() << "needs 2200 descriptors, RLIMIT_NOFILE allows " << files.rlim_cur;
  server::ServerOptions options;
  options.max_connections = 1000;
  options.max_connections_per_ip = 50;
  TestServer s(options);
  const std::string greeting = "220 localhost ESMTP mxlab\r\n";
  std::vector<std::unique_ptr<RawClient>> open;
  for (int ip = 2; ip < 22; ++ip) {
    std::string source = "127.0.0." + std::to_string(ip);
    for (int i = 0; i < 50; ++i) {
      open.push_back(std::make_unique<RawClient>(source, s.server.port()));
      ASSERT_TRUE(open.back()->connected) << source << " #" << i;
      ASSERT_EQ(open.back()->line(), greeting) << source << " #" << i;
    }
  }
  EXPECT_EQ(s.server.active_sessions(), 1000u);
  for (int i = 0; i < 20; ++i) {
    RawClient extra("127.0.0.30", s.server.port());
    EXPECT_EQ(extra.line(), "421 4.7.0 localhost Error: too many connections\r\n");
    EXPECT_TRUE(extra.closed_after_line());
  }
  open.resize(950);  // 50 slots free, all from 127.0.0.21
  ASSERT_TRUE(eventually([&] { return s.server.active_sessions() == 950; }));
  WireClient again("127.0.0.1", s.server.port(), 5s, "127.0.0.31");
  EXPECT_EQ(again.read_reply(), greeting);
  RawClient crowded("127.0.0.2", s.server.port());  // its 51st
  EXPECT_EQ(crowded.line(), "421 4.7.0 localhost Error: too many connections from 127.0.0.2\r\n");
  EXPECT_TRUE(crowded.closed_after_line());
  again.send(kNoop);
  EXPECT_EQ(again.read_reply(), kNoopOk);
}

}  // namespace
