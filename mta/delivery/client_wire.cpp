// Connecting an outbound SMTP session's socket (see client_wire_impl.hpp).
#include "mta/delivery/client_wire_impl.hpp"

namespace mxlab::delivery::wire {

awaitable<std::optional<tcp::socket>> connect(const ClientRequest& req, Millis deadline, std::string& error) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(req.address, ec);
  if (ec) {
    error = "bad address '" + req.address + "'";
    co_return std::nullopt;
  }
  tcp::endpoint target(address, req.port);
  tcp::socket socket(executor);
  socket.open(target.protocol(), ec);
  if (!ec && !req.source_address.empty()) {
    socket.bind(tcp::endpoint(asio::ip::make_address(req.source_address, ec), 0), ec);
  }
  if (ec) {
    error = "cannot bind source " + req.source_address + ": " + ec.message();
    co_return std::nullopt;
  }
  asio::steady_timer timer(executor, deadline);
  auto r = co_await (socket.async_connect(target, asio::as_tuple(use_awaitable)) ||
                     timer.async_wait(asio::as_tuple(use_awaitable)));
  std::string where = req.address + ":" + std::to_string(req.port);
  if (r.index() == 1) {
    error = "connect to " + where + ": timed out";
    co_return std::nullopt;
  }
  if (auto [cec] = std::get<0>(r); cec) {
    error = "connect to " + where + ": " + cec.message();
    co_return std::nullopt;
  }
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::move(socket);
}

}  // namespace mxlab::delivery::wire
