// Admin and control API access rules, socket-free: trusted_hosts (403), the token as Bearer or
// Basic password (401 with WWW-Authenticate), and the refusal to listen beyond loopback unguarded.
#include "mta/admin/access.hpp"

#include <gtest/gtest.h>

namespace mxlab::admin {
namespace {

AccessRules rules(std::string token) {
  auto trusted = CidrSet::parse({"127.0.0.0/8", "::1/128", "10.1.0.0/16"});
  EXPECT_TRUE(trusted.ok());
  return {*trusted, std::move(token)};
}

struct Case {
  const char* name;
  const char* peer;
  const char* authorization;
  int status;  // 0 = allowed
  const char* body;
};

class AccessTable : public testing::TestWithParam<Case> {};

TEST_P(AccessTable, StatusAndReason) {
  const Case& c = GetParam();
  auto refusal = check_access(rules("s3cret-token"), c.peer, c.authorization);
  if (c.status == 0) {
    EXPECT_FALSE(refusal) << refusal->body;
    return;
  }
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, c.status);
  EXPECT_EQ(refusal->body, c.body);
  bool challenges = !refusal->headers.empty() && refusal->headers[0].first == "WWW-Authenticate";
  EXPECT_EQ(challenges, c.status == 401);
}

const char* kNeedAuth =
    R"j({"error":"Unauthorized","reason":"authentication required: send Authorization: Bearer <token> (kcli --token)"})j";
const char* kBadCreds = R"({"error":"Unauthorized","reason":"invalid credentials"})";
const char* kBadHeader =
    R"j({"error":"Unauthorized","reason":"unsupported or malformed Authorization header (use Bearer or Basic)"})j";

INSTANTIATE_TEST_SUITE_P(
    Cases, AccessTable,
    testing::Values(
        Case{"BearerTokenFromLoopback", "127.0.0.1", "Bearer s3cret-token", 0, ""},
        Case{"BearerIsCaseInsensitive", "::1", "bearer s3cret-token", 0, ""},
        Case{"BasicWithTokenAsPassword", "10.1.2.3", "Basic a2NsaTpzM2NyZXQtdG9rZW4=", 0, ""},  // kcli:s3cret-token
        Case{"UntrustedPeerIs403EvenWithTheToken", "192.0.2.7", "Bearer s3cret-token", 403,
             R"({"error":"Forbidden","reason":"peer 192.0.2.7 is not in trusted_hosts"})"},
        Case{"NoHeaderIs401", "127.0.0.1", "", 401, kNeedAuth},
        Case{"WrongTokenIs401", "127.0.0.1", "Bearer s3cret-tokem", 401, kBadCreds},
        Case{"PrefixOfTheTokenIs401", "127.0.0.1", "Bearer s3cret", 401, kBadCreds},
        Case{"LongerThanTheTokenIs401", "127.0.0.1", "Bearer s3cret-token-and-more", 401, kBadCreds},
        Case{"BasicWrongPasswordIs401", "127.0.0.1", "Basic a2NsaTp3cm9uZw==", 401, kBadCreds},  // kcli:wrong
        Case{"BasicNotBase64Is401", "127.0.0.1", "Basic !!!!", 401, kBadHeader},
        Case{"BasicWithoutColonIs401", "127.0.0.1", "Basic czNjcmV0LXRva2Vu", 401, kBadHeader},  // s3cret-token
        Case{"UnknownSchemeIs401", "127.0.0.1", "Digest username=x", 401, kBadHeader},
        Case{"SchemeWithoutCredentialsIs401", "127.0.0.1", "Bearer", 401, kBadHeader}),
    [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

TEST(Access, WithoutATokenOnlyTrustedHostsApply) {
  EXPECT_FALSE(check_access(rules(""), "10.1.9.9", ""));
  EXPECT_EQ(check_access(rules(""), "10.2.0.1", "")->status, 403);
  EXPECT_FALSE(check_access(AccessRules{}, "203.0.113.1", ""));  // empty trusted set: everyone
}

TEST(Access, LoopbackAddresses) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.9.8.7"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
  EXPECT_FALSE(is_loopback("not an address"));
}

TEST(Access, ListeningBeyondLoopbackNeedsATokenOrAnExplicitYes) {
  EXPECT_TRUE(check_exposure("127.0.0.1", "", false, "admin"));
  EXPECT_TRUE(check_exposure("0.0.0.0", "t", false, "admin"));
  EXPECT_TRUE(check_exposure("0.0.0.0", "", true, "admin"));
  auto refused = check_exposure("0.0.0.0", "", false, "admin");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error,
            "admin: refusing to listen on 0.0.0.0 without a token: anyone who can reach it could read and change the "
            "queue (set a token, listen on loopback, or allow_unauthenticated: true)");
}

}  // namespace
}  // namespace mxlab::admin
