// Blocking one-shot submission over the delivery client session (see smtp_send.hpp).
#include "mta/delivery/smtp_send.hpp"

#include <boost/asio.hpp>

#include "mta/delivery/client_session.hpp"

namespace mxlab::delivery {

namespace asio = boost::asio;

Expected<SendResult> send_message(const SendRequest& request) {
  asio::io_context io;
  ClientRequest req;
  req.address = request.host;
  req.port = request.port;
  req.ehlo_name = request.helo;
  req.mail_from = request.mail_from;
  req.rcpt_to = request.rcpt_to;
  req.data = &request.data;
  ClientTimeouts t{request.timeout, request.timeout, request.timeout};
  std::optional<ClientResult> result;
  std::string failure;
  asio::co_spawn(io, run_client_session(req, t), [&](std::exception_ptr e, ClientResult r) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        failure = ex.what();
      }
    } else {
      result = std::move(r);
    }
  });
  io.run();
  if (!result) return unexpected("SMTP session failed: " + failure);
  if (result->io_error) return unexpected(result->detail);
  SendResult out;
  out.final_reply = result->reply;
  out.rcpt_replies = result->rcpt_replies;
  return out;
}

}  // namespace mxlab::delivery
