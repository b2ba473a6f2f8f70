// The certificate factory without a network: names round-trip, the CA is made once, and each
// variant's validity window and names are what its name says (checked with X509 directly).
#include "sim/fake_mx/tls/cert_factory.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

using namespace mxlab::fakemx::tls;

namespace {

X509* parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return x;
}

TEST(CertFactory, VariantNamesRoundTrip) {
  for (auto v : {CertVariant::Valid, CertVariant::SelfSigned, CertVariant::Expired, CertVariant::NotYetValid,
                 CertVariant::WrongHost, CertVariant::UntrustedRoot, CertVariant::IncompleteChain}) {
    EXPECT_EQ(parse_cert_variant(to_string(v)), v);
  }
  EXPECT_FALSE(parse_cert_variant("bogus"));
}

TEST(CertFactory, TestCaIsMadeOncePerProcess) {
  const std::string& a = test_ca_pem();
  EXPECT_EQ(&a, &test_ca_pem());
  EXPECT_NE(a.find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST(CertFactory, ValidLeafNamesHostAndIpAndIsCurrentlyValid) {
  auto c = make_credentials(CertVariant::Valid, "mx1.example.test", "127.0.0.9");
  ASSERT_TRUE(c) << c.error();
  X509* x = parse(c->leaf_pem);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(X509_check_host(x, "mx1.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "127.0.0.9", 0), 1);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x)), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(x)), 0);
  X509_free(x);
}

TEST(CertFactory, ExpiredAndNotYetValidWindows) {
  auto expired = make_credentials(CertVariant::Expired, "mx", "");
  auto future = make_credentials(CertVariant::NotYetValid, "mx", "");
  ASSERT_TRUE(expired && future);
  X509* e = parse(expired->leaf_pem);
  X509* f = parse(future->leaf_pem);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(e)), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notBefore(f)), 0);
  X509_free(e);
  X509_free(f);
}

TEST(CertFactory, WrongHostDoesNotNameTheHost) {
  auto c = make_credentials(CertVariant::WrongHost, "mx1.example.test", "127.0.0.9");
  ASSERT_TRUE(c);
  X509* x = parse(c->leaf_pem);
  EXPECT_NE(X509_check_host(x, "mx1.example.test", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(x, "127.0.0.9", 0), 1);
  X509_free(x);
}

}  // namespace
