// Python view of delivery log records (mta/log): RecordType, Response, PeerAddress, LogRecord.
// Records reach Python through Mta.log_records()/wait_for_log(), collected on the C++ side.
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "mta/log/log_record.hpp"

namespace py = pybind11;
using namespace mxlab::log;

namespace mxlab::py_bind {

void bind_log(py::module_& m) {
  py::enum_<RecordType>(m, "RecordType")
      .value("Reception", RecordType::Reception)
      .value("Delivery", RecordType::Delivery)
      .value("TransientFailure", RecordType::TransientFailure)
      .value("Bounce", RecordType::Bounce)
      .value("Expiration", RecordType::Expiration)
      .value("AdminBounce", RecordType::AdminBounce)
      .value("Rejection", RecordType::Rejection)
      .value("AdminRebind", RecordType::AdminRebind);

  py::class_<Response>(m, "Response")
      .def(py::init<>())
      .def_readwrite("code", &Response::code)
      .def_readwrite("enhanced_code", &Response::enhanced_code)
      .def_readwrite("content", &Response::content)
      .def_readwrite("command", &Response::command);

  py::class_<PeerAddress>(m, "PeerAddress")
      .def(py::init<>())
      .def_readwrite("name", &PeerAddress::name)
      .def_readwrite("addr", &PeerAddress::addr);

  py::class_<Delays>(m, "Delays")
      .def(py::init<>())
      .def_readwrite("before_queue", &Delays::before_queue)
      .def_readwrite("in_queue", &Delays::in_queue)
      .def_readwrite("connection_setup", &Delays::connection_setup)
      .def_readwrite("transmission", &Delays::transmission)
      .def_property_readonly("total", &Delays::total);

  py::class_<LogRecord>(m, "LogRecord")
      .def(py::init<>())
      .def_readwrite("type", &LogRecord::type)
      .def_readwrite("id", &LogRecord::id)
      .def_readwrite("envelope_id", &LogRecord::envelope_id)
      .def_readwrite("sender", &LogRecord::sender)
      .def_readwrite("recipient", &LogRecord::recipient)
      .def_readwrite("queue", &LogRecord::queue)
      .def_readwrite("site", &LogRecord::site)
      .def_readwrite("size", &LogRecord::size)
      .def_readwrite("response", &LogRecord::response)
      .def_readwrite("peer_address", &LogRecord::peer_address)
      .def_readwrite("timestamp", &LogRecord::timestamp)
      .def_readwrite("created", &LogRecord::created)
      .def_readwrite("num_attempts", &LogRecord::num_attempts)
      .def_readwrite("reception_protocol", &LogRecord::reception_protocol)
      .def_readwrite("delivery_protocol", &LogRecord::delivery_protocol)
      .def_readwrite("tls_protocol_version", &LogRecord::tls_protocol_version)
      .def_readwrite("tls_cipher", &LogRecord::tls_cipher)
      .def_readwrite("meta", &LogRecord::meta)
      .def_readwrite("bounce_classification", &LogRecord::bounce_classification)
      .def_readwrite("egress_pool", &LogRecord::egress_pool)
      .def_readwrite("egress_source", &LogRecord::egress_source)
      .def_readwrite("headers", &LogRecord::headers)
      .def_readwrite("delays", &LogRecord::delays)
      .def("to_json", &LogRecord::to_json)
      .def("__repr__", [](const LogRecord& r) {
        return "LogRecord(" + std::string(to_string(r.type)) + " id=" + r.id + " rcpt=" + r.recipient +
               " response=" + std::to_string(r.response.code) + " " + r.response.content + ")";
      });
}

}  // namespace mxlab::py_bind
