// TLS faults of fake MX hosts, seen by a real client (openssl s_client): each certificate variant
// fails verification with its own code, and the protocol faults (version cap, no shared cipher,
// aborted handshake, 454, 220 then plaintext) fail the way a sender meets them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "sim/fake_mx/mx_host.hpp"
#include "tests/unit/server/wire_client.hpp"

using namespace mxlab;
using namespace std::chrono_literals;
using fakemx::TlsConfig;
using fakemx::tls::CertVariant;
using wire::run_process;
using wire::WireClient;

namespace {

const char* kHost = "mx.tls.test";

std::string ca_file() {
  static const std::string path = [] {
    auto p = std::filesystem::temp_directory_path() / ("mxlab-test-ca-" + std::to_string(::getpid()) + ".pem");
    EXPECT_TRUE(fakemx::tls::write_pem(p.string(), fakemx::tls::test_ca_pem()));
    return p.string();
  }();
  return path;
}

struct Host {
  Host(const std::string& address, TlsConfig tls, std::chrono::milliseconds idle = 10s) {
    fakemx::MxHostConfig config;
    config.name = kHost;
    config.address = address;
    config.tls = std::move(tls);
    config.server.idle_timeout = idle;
    host = std::make_unique<fakemx::MxHost>(config);
    auto st = host->start();
    EXPECT_TRUE(st) << st.error;
  }
  std::string target() const { return host->config().address + ":" + std::to_string(host->port()); }
  std::unique_ptr<fakemx::MxHost> host;
};

TlsConfig starttls(CertVariant v = CertVariant::Valid) {
  TlsConfig t;
  t.mode = TlsConfig::Mode::Starttls;
  t.certificate = v;
  return t;
}

wire::ProcessResult s_client(const Host& h, const std::string& extra, bool smtp_starttls = true) {
  std::string cmd = "timeout 20 openssl s_client " + std::string(smtp_starttls ? "-starttls smtp " : "") +
                    "-connect " + h.target() + " -servername " + kHost + " -verify_hostname " + kHost +
                    " -CAfile " + ca_file() + " " + extra;
  return run_process(cmd, "QUIT\\r\\n");
}

struct VariantRow {
  CertVariant variant;
  const char* address;
  const char* verify;  // s_client's "Verify return code: ..." text
  const char* issuer;
};

class CertificateVariants : public ::testing::TestWithParam<VariantRow> {};

TEST_P(CertificateVariants, ClientSeesTheExpectedVerificationResult) {
  const VariantRow& row = GetParam();
  Host h(row.address, starttls(row.variant));
  auto r = s_client(h, "");
  EXPECT_NE(r.output.find(std::string("Verify return code: ") + row.verify), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::string("issuer=O = mxlab, CN = ") + row.issuer), std::string::npos) << r.output;
  // A client that insists on verification aborts the handshake on every broken variant.
  auto strict = s_client(h, "-verify_return_error");
  if (row.variant == CertVariant::Valid) {
    EXPECT_EQ(strict.status, 0) << strict.output;
  } else {
    EXPECT_NE(strict.status, 0) << strict.output;
    EXPECT_NE(strict.output.find("certificate verify failed"), std::string::npos) << strict.output;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tls, CertificateVariants,
    ::testing::Values(
        VariantRow{CertVariant::Valid, "127.0.0.51", "0 (ok)", "mxlab test CA"},
        VariantRow{CertVariant::Expired, "127.0.0.52", "10 (certificate has expired)", "mxlab test CA"},
        VariantRow{CertVariant::NotYetValid, "127.0.0.53", "9 (certificate is not yet valid)", "mxlab test CA"},
        VariantRow{CertVariant::WrongHost, "127.0.0.54", "62 (hostname mismatch)", "mxlab test CA"},
        VariantRow{CertVariant::SelfSigned, "127.0.0.55", "18 (self-signed certificate)", "mx.tls.test"},
        VariantRow{CertVariant::UntrustedRoot, "127.0.0.56", "21 (unable to verify the first certificate)",
                   "mxlab untrusted root"},
        VariantRow{CertVariant::IncompleteChain, "127.0.0.57", "21 (unable to verify the first certificate)",
                   "mxlab test intermediate"}),
    [](const auto& info) { return std::string(fakemx::tls::to_string(info.param.variant)); });

TEST(TlsFaults, ValidCertificateCarriesTheHostIpInItsSan) {
  Host h("127.0.0.58", starttls());
  auto r = s_client(h, "-verify_ip 127.0.0.58 -verify_return_error");
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST(TlsFaults, ImplicitTlsListenerGreetsAfterTheHandshake) {
  TlsConfig t = starttls();
  t.mode = TlsConfig::Mode::Implicit;
  Host h("127.0.0.59", t);
  auto r = s_client(h, "-verify_return_error -ign_eof", false);  // read until the 221 closes it
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("220 mx.tls.test"), std::string::npos) << r.output;
}

// A host capped at an old TLS version: a client that requires 1.2 fails the handshake; one that
// allows the old version gets exactly that version.
void expect_version_cap(const char* address, const char* max_version, const char* client_flag, const char* protocol) {
  TlsConfig t = starttls();
  t.max_version = max_version;
  Host h(address, t);
  auto modern = s_client(h, "-min_protocol TLSv1.2");
  EXPECT_NE(modern.status, 0) << modern.output;
  EXPECT_NE(modern.output.find("alert protocol version"), std::string::npos) << modern.output;
  EXPECT_NE(modern.output.find("Cipher is (NONE)"), std::string::npos) << modern.output;
  auto legacy = s_client(h, std::string(client_flag) + " -cipher DEFAULT@SECLEVEL=0");
  EXPECT_NE(legacy.output.find(std::string("Protocol  : ") + protocol + "\n"), std::string::npos) << legacy.output;
}

TEST(TlsFaults, Tls10CapFailsAgainstAClientRequiringTls12) { expect_version_cap("127.0.0.60", "1.0", "-tls1", "TLSv1"); }

TEST(TlsFaults, Tls11CapFailsAgainstAClientRequiringTls12) {
  expect_version_cap("127.0.0.67", "1.1", "-tls1_1", "TLSv1.1");
}

TEST(TlsFaults, NoSharedCipher) {
  TlsConfig t = starttls();
  t.max_version = "1.2";
  t.ciphers = "ECDHE-ECDSA-AES128-SHA";
  Host h("127.0.0.61", t);
  auto r = s_client(h, "-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("handshake failure"), std::string::npos) << r.output;
}

TEST(TlsFaults, HandshakeAbortedMidway) {
  TlsConfig t = starttls();
  t.handshake_abort = true;
  Host h("127.0.0.62", t);
  auto r = s_client(h, "");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Cipher is (NONE)"), std::string::npos) << r.output;
}

TEST(TlsFaults, StarttlsAnswered454) {
  TlsConfig t = starttls();
  t.starttls_reply = "454 4.7.0 TLS not available due to local problem";
  Host h("127.0.0.63", t);
  WireClient c("127.0.0.63", h.host->port());
  c.read_reply();
  c.send("EHLO c\r\n");
  EXPECT_NE(c.read_reply().find("STARTTLS"), std::string::npos);  // offered, then refused
  c.send("STARTTLS\r\nNOOP\r\n");
  EXPECT_EQ(c.read_reply(), "454 4.7.0 TLS not available due to local problem\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");  // still a plaintext session
}

TEST(TlsFaults, StarttlsAnswered220ThenPlaintext) {
  TlsConfig t = starttls();
  t.starttls_then_plaintext = true;
  Host raw("127.0.0.64", t);
  WireClient c("127.0.0.64", raw.host->port());
  c.read_reply();
  c.send("EHLO c\r\nSTARTTLS\r\n");
  c.read_reply();
  EXPECT_EQ(c.read_reply().substr(0, 4), "220 ");
  c.send("NOOP\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");  // plaintext after the 220
  // A real client's handshake never completes.
  Host h("127.0.0.65", t, 1s);
  auto r = s_client(h, "");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Cipher is (NONE)"), std::string::npos) << r.output;
}

// The idle deadline holds inside TLS too: the watchdog cancels the socket under the TLS stream,
// and the 421 still goes out encrypted. (-ign_eof: s_client stays after its empty stdin ends.)
TEST(TlsFaults, IdleClientInsideTlsGets421) {
  Host h("127.0.0.68", starttls(), 1s);
  auto start = std::chrono::steady_clock::now();
  auto r = run_process("timeout 20 openssl s_client -starttls smtp -connect " + h.target() + " -servername " + kHost +
                       " -CAfile " + ca_file() + " -ign_eof");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(r.output.find("421 4.4.2 mx.tls.test Error: timeout exceeded"), std::string::npos) << r.output;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 10s);
}

TEST(TlsFaults, DefaultHostSpeaksNoTls) {
  Host h("127.0.0.66", TlsConfig{});
  WireClient c("127.0.0.66", h.host->port());
  c.read_reply();
  c.send("EHLO c\r\n");
  EXPECT_EQ(c.read_reply().find("STARTTLS"), std::string::npos);
}

}  // namespace
