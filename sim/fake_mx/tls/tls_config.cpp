// TLS settings and faults of a fake MX host (see tls_config.hpp).
#include "sim/fake_mx/tls/tls_config.hpp"

namespace mxlab::fakemx {

std::string_view to_string(TlsConfig::Mode m) {
  switch (m) {
    case TlsConfig::Mode::None: return "none";
    case TlsConfig::Mode::Starttls: return "starttls";
    case TlsConfig::Mode::Implicit: return "implicit";
  }
  return "?";
}

std::optional<TlsConfig::Mode> parse_tls_mode(std::string_view name) {
  if (name == "none") return TlsConfig::Mode::None;
  if (name == "starttls") return TlsConfig::Mode::Starttls;
  if (name == "implicit") return TlsConfig::Mode::Implicit;
  return std::nullopt;
}

Status apply_tls(const TlsConfig& tls, const std::string& host_name, const std::string& ip_address,
                 server::ServerOptions& options) {
  if (tls.mode == TlsConfig::Mode::None) return Status::success();
  const std::string& name = tls.host_name.empty() ? host_name : tls.host_name;
  auto credentials = tls::make_credentials(tls.certificate, name, ip_address);
  if (!credentials) return Status::failure(credentials.error());
  server::TlsSettings settings{credentials->chain_pem, credentials->private_key_pem, tls.min_version,
                               tls.max_version,        tls.ciphers,                  tls.ciphersuites};
  auto context = server::make_tls_context(settings);
  if (!context) return Status::failure(context.error());
  options.tls = *context;
  options.implicit_tls = tls.mode == TlsConfig::Mode::Implicit;
  if (tls.handshake_abort) options.tls_fault = server::TlsFault::AbortHandshake;
  if (tls.starttls_then_plaintext) options.tls_fault = server::TlsFault::PlaintextAfterStarttls;
  return Status::success();
}

server::Action StarttlsReplyPolicy::decide(const server::StageContext& ctx) {
  if (ctx.stage != server::Stage::Starttls) return inner_.decide(ctx);
  server::Action a;
  a.kind = server::Action::Kind::Reply;
  a.reply = reply_;
  return a;
}

}  // namespace mxlab::fakemx
