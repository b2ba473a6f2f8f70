// fakemx's HTTP control API: change a host's rules mid-test, read recordings, reset state,
// wait for N messages, patch DNS, over plain HTTP/1.1 (loopback only by default). Routes are a
// pure table (control_routes.cpp, admin::Router); this header's server is Beast behind a pimpl.
// Access is mtad's admin rule (admin::check_access): trusted peers, and a token when set.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mta/admin/router.hpp"
#include "mta/common/expected.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"
#include "sim/fake_mx/mx_host.hpp"

namespace mxlab::fakemx {

struct ControlTargets {
  std::vector<MxHost*> hosts;
  FakeDns* dns = nullptr;
};

admin::Router make_control_router(const ControlTargets& targets);

struct ControlAccess {
  std::vector<std::string> trusted_hosts = {"127.0.0.0/8", "::1/128"};  // else 403
  std::string token;                   // when set, required as Bearer or Basic password (else 401)
  bool allow_unauthenticated = false;  // listen beyond loopback without a token
};

class ControlApi {
 public:
  explicit ControlApi(ControlTargets targets);
  ~ControlApi();  // stop()
  // Binds address:port (port 0: ephemeral) and serves on its own thread.
  // Refuses a non-loopback address without a token unless access.allow_unauthenticated.
  Status start(const std::string& address = "127.0.0.1", std::uint16_t port = 0, const ControlAccess& access = {});
  void stop();
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxlab::fakemx
