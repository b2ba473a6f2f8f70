// Python view of bounce handling (mta/delivery/dsn.hpp, bounce_classifier.hpp): parse_dsn reads a
// DSN that reached a fake MX back into fields; BounceClassifier classifies replies as mtad does.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "mta/delivery/bounce_classifier.hpp"
#include "mta/delivery/dsn.hpp"

namespace py = pybind11;

namespace mxlab::py_bind {

void bind_bounce(py::module_& m) {
  using delivery::ParsedDsn;
  using delivery::ParsedDsnRecipient;
  py::class_<ParsedDsnRecipient>(m, "DsnRecipient")
      .def_readonly("final_recipient", &ParsedDsnRecipient::final_recipient)
      .def_readonly("original_recipient", &ParsedDsnRecipient::original_recipient)
      .def_readonly("action", &ParsedDsnRecipient::action)
      .def_readonly("status", &ParsedDsnRecipient::status)
      .def_readonly("remote_mta", &ParsedDsnRecipient::remote_mta)
      .def_readonly("diagnostic_code", &ParsedDsnRecipient::diagnostic_code)
      .def_readonly("last_attempt_date", &ParsedDsnRecipient::last_attempt_date)
      .def("__repr__", [](const ParsedDsnRecipient& r) {
        return "DsnRecipient(" + r.final_recipient + " " + r.action + " " + r.status + ")";
      });
  py::class_<ParsedDsn>(m, "Dsn")
      .def_readonly("subject", &ParsedDsn::subject)
      .def_readonly("report_type", &ParsedDsn::report_type)
      .def_readonly("reporting_mta", &ParsedDsn::reporting_mta)
      .def_readonly("arrival_date", &ParsedDsn::arrival_date)
      .def_readonly("recipients", &ParsedDsn::recipients)
      .def_readonly("returned_headers", &ParsedDsn::returned_headers)
      .def("recipient", [](const ParsedDsn& d, const std::string& address) -> py::object {
        const ParsedDsnRecipient* r = d.recipient(address);
        return r ? py::cast(*r) : py::none();
      }, py::arg("address"));
  m.def("parse_dsn", [](py::object message) {
        auto text = message.cast<std::string>();  // str or bytes
        auto parsed = delivery::parse_dsn(text);
        if (!parsed) throw py::value_error("not a delivery status notification: " + parsed.error());
        return *parsed;
      }, py::arg("message"), "Reads a multipart/report; report-type=delivery-status message (RFC 3464).");
}

}  // namespace mxlab::py_bind
