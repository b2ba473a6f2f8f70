// FakeDns as a server: one ephemeral port for UDP and TCP, start/stop/restart, address and
// record errors reported by start(), and a raw TCP exchange with the RFC 1035 length prefix.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "mta/dns/dns_message.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"

using namespace mxlab;
using namespace mxlab::fakemx;
namespace asio = boost::asio;

TEST(FakeDnsServer, EphemeralPortIsSharedByUdpAndTcp) {
  FakeDns fake;
  ASSERT_TRUE(fake.start());
  ASSERT_NE(fake.port(), 0);
  EXPECT_EQ(fake.nameserver(), "127.0.0.1:" + std::to_string(fake.port()));
  asio::io_context io;
  boost::system::error_code ec;
  asio::ip::udp::socket udp(io, asio::ip::udp::v4());
  udp.bind({asio::ip::make_address("127.0.0.1"), fake.port()}, ec);
  EXPECT_EQ(ec, asio::error::address_in_use);
  asio::ip::tcp::socket tcp(io);
  tcp.connect({asio::ip::make_address("127.0.0.1"), fake.port()}, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(FakeDnsServer, AnswersOverTcpWithALengthPrefix) {
  FakeDns fake({"127.0.0.1", 0, {{"example.com", "MX", 60, "10 mx1.example.com"}}});
  ASSERT_TRUE(fake.start());
  dns::Message q;
  q.header.id = 77;
  q.questions.push_back({"example.com", dns::RrType::MX});
  auto wire = *dns::encode_message(q);
  asio::io_context io;
  asio::ip::tcp::socket tcp(io);
  tcp.connect({asio::ip::make_address("127.0.0.1"), fake.port()});
  const std::uint8_t prefix[2] = {0, static_cast<std::uint8_t>(wire.size())};
  asio::write(tcp, std::array<asio::const_buffer, 2>{asio::buffer(prefix), asio::buffer(wire)});
  std::uint8_t len[2];
  asio::read(tcp, asio::buffer(len));  // blocking, but the server answers at once or closes
  std::vector<std::uint8_t> reply(len[0] << 8 | len[1]);
  asio::read(tcp, asio::buffer(reply));
  auto m = dns::parse_message(reply);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->header.id, 77);
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(fake.query_count(DnsProtocol::Tcp), 1u);
}

TEST(FakeDnsServer, StartReportsBadRecordsAndAddresses) {
  FakeDns bad_record({"127.0.0.1", 0, {{"example.com", "MX", 60, "ten mx"}}});
  Status s = bad_record.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("example.com MX ten mx"), std::string::npos) << s.error;
  FakeDns bad_address({"not-an-ip", 0, {}});
  EXPECT_FALSE(bad_address.start());
}

TEST(FakeDnsServer, FixedPortInUseIsAnError) {
  FakeDns first;
  ASSERT_TRUE(first.start());
  FakeDns second({"127.0.0.1", first.port(), {}});
  Status s = second.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find(std::to_string(first.port())), std::string::npos) << s.error;
}

TEST(FakeDnsServer, StopIsIdempotentAndRestartServesAgain) {
  FakeDns fake({"127.0.0.1", 0, {{"a.example", "A", 60, "127.0.0.1"}}});
  ASSERT_TRUE(fake.start());
  EXPECT_FALSE(fake.start());  // already running
  fake.stop();
  fake.stop();
  ASSERT_TRUE(fake.start());
  EXPECT_NE(fake.port(), 0);
}

TEST(FakeDnsServer, ServesOnIpv6LoopbackWhenAvailable) {
  FakeDns fake({"::1", 0, {}});
  Status s = fake.start();
  if (!s) GTEST_SKIP() << "no IPv6 loopback: " << s.error;
  EXPECT_EQ(fake.nameserver(), "[::1]:" + std::to_string(fake.port()));
}
