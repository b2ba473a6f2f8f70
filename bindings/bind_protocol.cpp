// Python view of the SMTP value types (mta/protocol/reply.hpp): Reply and EnhancedCode, shared
// by send_message results, delivery log responses and fake MX rules.
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "mta/protocol/reply.hpp"

namespace py = pybind11;
using namespace mxlab::smtp;

namespace mxlab::py_bind {

void bind_protocol(py::module_& m) {
  py::class_<EnhancedCode>(m, "EnhancedCode")
      .def(py::init<>())
      .def_readwrite("cls", &EnhancedCode::cls)
      .def_readwrite("subject", &EnhancedCode::subject)
      .def_readwrite("detail", &EnhancedCode::detail)
      .def_static("parse", &EnhancedCode::parse, py::arg("text"))
      .def("__str__", &EnhancedCode::str)
      .def("__repr__", [](const EnhancedCode& c) { return "EnhancedCode('" + c.str() + "')"; })
      .def(py::self == py::self);

  py::class_<Reply>(m, "Reply")
      .def(py::init(&make_reply), py::arg("code"), py::arg("enhanced") = "", py::arg("text") = "")
      .def_readwrite("code", &Reply::code)
      .def_readwrite("enhanced", &Reply::enhanced)
      .def_readwrite("lines", &Reply::lines)
      .def_property_readonly("positive", &Reply::positive)
      .def_property_readonly("transient", &Reply::transient)
      .def_property_readonly("permanent", &Reply::permanent)
      .def("text", &Reply::text)
      .def("encode", &Reply::encode)
      .def("summary", &Reply::summary)
      .def("__str__", &Reply::summary)
      .def("__repr__", [](const Reply& r) { return "Reply('" + r.summary() + "')"; })
      .def(py::self == py::self);

  m.def("parse_reply", &parse_reply, py::arg("text"),
        "Parses one complete (possibly multiline) reply; None when malformed or incomplete.");
}

}  // namespace mxlab::py_bind
