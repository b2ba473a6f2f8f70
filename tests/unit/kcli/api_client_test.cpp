// ApiClient failures as values: bad endpoints, and a connect failure naming the URL when
// nothing listens (HTTP success paths are covered against the real admin server).
#include "kcli/api_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace mxlab::kcli {
namespace {

using namespace std::chrono_literals;

// A loopback port with nothing listening: bound, then released.
std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

TEST(ApiClient, NothingListeningNamesEndpointAndCause) {
  std::string endpoint = "http://127.0.0.1:" + std::to_string(unused_port());
  auto client = ApiClient::create(endpoint, 5s);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto start = std::chrono::steady_clock::now();
  auto r = client->get_json("/metrics.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 0);
  EXPECT_EQ(r.error().message.rfind("GET " + endpoint + "/metrics.json: connect", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find("refused"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ApiClient, RejectsEndpointsItCannotUse) {
  EXPECT_FALSE(ApiClient::create("not a url").ok());
  EXPECT_FALSE(ApiClient::create("https://127.0.0.1:8000").ok());
  auto ftp = ApiClient::create("ftp://127.0.0.1");
  ASSERT_FALSE(ftp.ok());
  EXPECT_NE(ftp.error().message.find("only http://"), std::string::npos);
}

TEST(ApiClient, AcceptsHostNamesAndIpv6Literals) {
  auto a = ApiClient::create("http://localhost:8000/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->endpoint(), "http://localhost:8000");
  EXPECT_TRUE(ApiClient::create("http://[::1]:8000").ok());
  EXPECT_TRUE(ApiClient::create("http://127.0.0.1").ok());
}

}  // namespace
}  // namespace mxlab::kcli
