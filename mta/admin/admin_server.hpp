// mtad's HTTP admin API (Beast), KumoMTA's v1 paths and shapes. Runs on the MTA's io_context;
// this header stays free of Beast/Asio so the core can include it cheaply.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "mta/common/expected.hpp"
#include "mta/admin/admin_backend.hpp"
#include "mta/config/mta_config.hpp"

namespace boost::asio {
class io_context;
}

namespace mxlab::admin {

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, config::AdminConfig config, AdminBackend& backend);
  ~AdminServer();
  Status start();                      // binds and starts accepting
  std::uint16_t port() const;          // bound port (after start)
  void stop();                         // closes the acceptor and open connections

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxlab::admin
