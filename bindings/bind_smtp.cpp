// Python view of blocking SMTP submission (mta/delivery/smtp_send.hpp): send_message runs with
// the GIL released; a connection or protocol failure raises SmtpError, replies come back as values.
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "mta/delivery/smtp_send.hpp"

namespace py = pybind11;
using namespace mxlab::delivery;

namespace mxlab::py_bind {

void bind_smtp(py::module_& m) {
  py::class_<SendResult>(m, "SendResult")
      .def_readonly("final_reply", &SendResult::final_reply)
      .def_readonly("rcpt_replies", &SendResult::rcpt_replies)
      .def_property_readonly("accepted", &SendResult::accepted)
      .def("__repr__", [](const SendResult& r) { return "SendResult('" + r.final_reply.summary() + "')"; });

  // `data` accepts str or bytes (pybind11 converts both to std::string); it is sent as given,
  // apart from dot-stuffing and CRLF normalisation on the wire.
  m.def("send_message",
        [](const std::string& host, std::uint16_t port, const std::string& mail_from,
           const std::vector<std::string>& rcpt_to, const std::string& data, const std::string& helo,
           double timeout) {
          SendRequest req{host, port, helo, mail_from, rcpt_to, data, seconds_to_ms(timeout)};
          Expected<SendResult> r = [&] {
            py::gil_scoped_release nogil;
            return send_message(req);
          }();
          if (!r.ok()) throw SmtpFailure("send to " + host + ":" + std::to_string(port) + ": " + r.error());
          return std::move(r).value();
        },
        py::arg("host"), py::arg("port"), py::arg("mail_from"), py::arg("rcpt_to"), py::arg("data"),
        py::arg("helo") = "localhost", py::arg("timeout") = 30.0,
        "Submits one message and QUITs. Raises SmtpError when no reply could be had; a 4xx/5xx "
        "reply is returned in SendResult (see .accepted).");
}

}  // namespace mxlab::py_bind
