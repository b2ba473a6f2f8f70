// Certificates for fake MX hosts, made in memory with OpenSSL (EC P-256 keys, fast): a per-process
// test CA a client can be told to trust, and leaf certificates in every broken shape a real
// receiving MX can present (expired, not yet valid, wrong name, self-signed, untrusted root,
// incomplete chain). PEM text throughout; write_pem() puts any of it in a file.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "mta/common/expected.hpp"

namespace mxlab::fakemx::tls {

enum class CertVariant {
  Valid,            // signed by the test CA, names the host (DNS and IP SAN)
  SelfSigned,       // names the host, signed by its own key
  Expired,          // test CA, validity ended yesterday
  NotYetValid,      // test CA, validity starts in 30 days
  WrongHost,        // test CA, names wrong-host.invalid only
  UntrustedRoot,    // names the host, signed by a CA nobody trusts
  IncompleteChain,  // test CA -> intermediate -> leaf, but only the leaf is sent
};
std::string_view to_string(CertVariant v);  // "valid", "self_signed", "expired", "not_yet_valid",
                                            // "wrong_host", "untrusted_root", "incomplete_chain"
std::optional<CertVariant> parse_cert_variant(std::string_view name);

struct Credentials {
  std::string chain_pem;        // what the server presents: the leaf, then any intermediates it sends
  std::string private_key_pem;  // the leaf's key (PKCS#8)
  std::string leaf_pem;         // the leaf alone, for inspection
};

// The test CA (made once per process, thread-safe): give it to clients as their trust anchor.
const std::string& test_ca_pem();

// A leaf for host_name (DNS SAN) and ip_address (IP SAN, may be empty) in the given shape.
Expected<Credentials> make_credentials(CertVariant variant, const std::string& host_name,
                                       const std::string& ip_address);

Status write_pem(const std::string& path, const std::string& pem);

}  // namespace mxlab::fakemx::tls
