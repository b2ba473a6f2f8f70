// In-memory certificate factory (see cert_factory.hpp), on the OpenSSL 3 C API. The authorities
// (test CA, its intermediate, the untrusted root) are made once per process; leaves are cheap
// (one P-256 key and one signature each).
#include "sim/fake_mx/tls/cert_factory.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <fstream>
#include <memory>

namespace mxlab::fakemx::tls {

namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

constexpr long kDay = 24 * 3600;

struct Authority {
  Key key;
  Cert cert;
  std::string pem;
};

Key make_key() { return Key(EVP_EC_gen("P-256")); }

std::string to_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string key_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

struct Spec {
  std::string common_name;
  std::string san;  // "DNS:a,IP:127.0.0.2"; empty for authorities
  bool ca = false;
  long not_before = -kDay;  // seconds from now
  long not_after = 365 * kDay;
};

// Issues a certificate for `key`; issuer null = self-signed.
Cert issue(const Spec& spec, EVP_PKEY* key, const Authority* issuer) {
  Cert cert(X509_new());
  X509* c = cert.get();
  X509_set_version(c, 2);
  std::array<unsigned char, 16> serial{};
  RAND_bytes(serial.data(), serial.size());
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial.data(), serial.size(), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c), spec.not_before);
  X509_gmtime_adj(X509_getm_notAfter(c), spec.not_after);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mxlab"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : c;
  X509_set_issuer_name(c, X509_get_subject_name(issuer_cert));
  bool ok = add_ext(c, issuer_cert, NID_subject_key_identifier, "hash") &&
            add_ext(c, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) {
    ok = ok && add_ext(c, issuer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         add_ext(c, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && add_ext(c, issuer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(c, issuer_cert, NID_key_usage, "critical,digitalSignature") &&
         add_ext(c, issuer_cert, NID_ext_key_usage, "serverAuth") &&
         (spec.san.empty() || add_ext(c, issuer_cert, NID_subject_alt_name, spec.san));
  }
  EVP_PKEY* signer = issuer ? issuer->key.get() : key;
  if (!ok || X509_sign(c, signer, EVP_sha256()) == 0) return nullptr;
  return cert;
}

Authority make_authority(const std::string& cn, const Authority* parent) {
  Authority a;
  a.key = make_key();
  a.cert = issue(Spec{cn, "", true, -kDay, 3650 * kDay}, a.key.get(), parent);
  a.pem = a.cert ? to_pem(a.cert.get()) : std::string();
  return a;
}

// Function-local statics: made on first use, once per process, thread-safe (C++11 magic statics).
const Authority& test_ca() {
  static const Authority ca = make_authority("mxlab test CA", nullptr);
  return ca;
}
const Authority& intermediate() {
  static const Authority ca = make_authority("mxlab test intermediate", &test_ca());
  return ca;
}
const Authority& untrusted_root() {
  static const Authority ca = make_authority("mxlab untrusted root", nullptr);
  return ca;
}

constexpr std::array<std::pair<std::string_view, CertVariant>, 7> kNames{{
    {"valid", CertVariant::Valid},
    {"self_signed", CertVariant::SelfSigned},
    {"expired", CertVariant::Expired},
    {"not_yet_valid", CertVariant::NotYetValid},
    {"wrong_host", CertVariant::WrongHost},
    {"untrusted_root", CertVariant::UntrustedRoot},
    {"incomplete_chain", CertVariant::IncompleteChain},
}};

}  // namespace

std::string_view to_string(CertVariant v) {
  for (const auto& [name, variant] : kNames)
    if (variant == v) return name;
  return "?";
}

std::optional<CertVariant> parse_cert_variant(std::string_view name) {
  for (const auto& [n, variant] : kNames)
    if (n == name) return variant;
  return std::nullopt;
}

const std::string& test_ca_pem() { return test_ca().pem; }

Expected<Credentials> make_credentials(CertVariant variant, const std::string& host_name,
                                       const std::string& ip_address) {
  Spec spec{host_name, "DNS:" + host_name + (ip_address.empty() ? "" : ",IP:" + ip_address)};
  const Authority* issuer = &test_ca();
  switch (variant) {
    case CertVariant::Valid: break;
    case CertVariant::SelfSigned: issuer = nullptr; break;
    case CertVariant::Expired: spec.not_before = -30 * kDay, spec.not_after = -kDay; break;
    case CertVariant::NotYetValid: spec.not_before = 30 * kDay, spec.not_after = 60 * kDay; break;
    case CertVariant::WrongHost: spec.common_name = "wrong-host.invalid", spec.san = "DNS:wrong-host.invalid"; break;
    case CertVariant::UntrustedRoot: issuer = &untrusted_root(); break;
    case CertVariant::IncompleteChain: issuer = &intermediate(); break;
  }
  if (issuer && !issuer->cert) return unexpected(std::string("cannot make the test certificate authority"));
  Key key = make_key();
  if (!key) return unexpected(std::string("cannot generate an EC P-256 key"));
  Cert leaf = issue(spec, key.get(), issuer);
  if (!leaf) {
    ERR_clear_error();
    return unexpected("cannot issue a certificate for '" + host_name + "'");
  }
  Credentials out;
  out.leaf_pem = to_pem(leaf.get());
  out.chain_pem = out.leaf_pem;  // IncompleteChain: the intermediate is deliberately left out
  out.private_key_pem = key_pem(key.get());
  return out;
}

Status write_pem(const std::string& path, const std::string& pem) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << pem;
  out.close();
  if (!out) return Status::failure("cannot write " + path);
  return Status::success();
}

}  // namespace mxlab::fakemx::tls
