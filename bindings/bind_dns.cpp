// Python view of the fake DNS server (sim/fake_mx/dns): DnsRecord, DnsFault and FakeDns, which
// takes zone records as DnsRecord or (name, type, data[, ttl]) tuples and can change them live.
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"

namespace py = pybind11;
using namespace mxlab::fakemx;

namespace mxlab::py_bind {
namespace {

DnsRecord record_from(py::handle h) {
  if (py::isinstance<DnsRecord>(h)) return h.cast<DnsRecord>();
  auto t = h.cast<py::tuple>();
  if (t.size() != 3 && t.size() != 4) throw py::value_error("a DNS record is (name, type, data[, ttl])");
  DnsRecord r{t[0].cast<std::string>(), t[1].cast<std::string>(), 300, t[2].cast<std::string>()};
  if (t.size() == 4) r.ttl = t[3].cast<std::uint32_t>();
  return r;
}

DnsFault fault_from(py::handle h) {
  if (!py::isinstance<py::str>(h)) return h.cast<DnsFault>();
  auto f = parse_dns_fault(h.cast<std::string>());
  if (!f) throw py::value_error("unknown DNS fault '" + h.cast<std::string>() + "'");
  return *f;
}

void bind_values(py::module_& m) {
  py::class_<DnsRecord>(m, "DnsRecord")
      .def(py::init([](std::string name, std::string type, std::string data, std::uint32_t ttl) {
             return DnsRecord{std::move(name), std::move(type), ttl, std::move(data)};
           }), py::arg("name"), py::arg("type"), py::arg("data"), py::arg("ttl") = 300)
      .def_readwrite("name", &DnsRecord::name)
      .def_readwrite("type", &DnsRecord::type)
      .def_readwrite("ttl", &DnsRecord::ttl)
      .def_readwrite("data", &DnsRecord::data)
      .def("__repr__", [](const DnsRecord& r) { return "DnsRecord(" + r.name + " " + r.type + " " + r.data + ")"; });

  py::enum_<DnsFault>(m, "DnsFault")
      .value("None_", DnsFault::None)  // "None" is a Python keyword
      .value("ServFail", DnsFault::ServFail)
      .value("Refused", DnsFault::Refused)
      .value("NxDomain", DnsFault::NxDomain)
      .value("Timeout", DnsFault::Timeout)
      .value("Truncate", DnsFault::Truncate);
  py::enum_<DnsProtocol>(m, "DnsProtocol").value("Udp", DnsProtocol::Udp).value("Tcp", DnsProtocol::Tcp);

  py::class_<DnsQueryLogEntry>(m, "DnsQueryLogEntry")
      .def_readonly("name", &DnsQueryLogEntry::name)
      .def_readonly("type", &DnsQueryLogEntry::type)
      .def_readonly("protocol", &DnsQueryLogEntry::protocol);
}

}  // namespace

void bind_dns(py::module_& m) {
  bind_values(m);
  using release = py::call_guard<py::gil_scoped_release>;
  py::class_<FakeDns>(m, "FakeDns")
      .def(py::init([](py::iterable records, std::string address, std::uint16_t port, bool authenticated_data,
                       std::size_t truncate_above) {
             FakeDnsOptions o{std::move(address), port, {}};
             for (auto r : records) o.records.push_back(record_from(r));
             o.server = {authenticated_data, truncate_above};
             return std::make_unique<FakeDns>(std::move(o));
           }), py::arg("records") = py::list(), py::arg("address") = "127.0.0.1", py::arg("port") = 0,
           py::arg("authenticated_data") = false, py::arg("truncate_above") = 0)
      .def("set_options", [](FakeDns& d, bool authenticated_data, std::size_t truncate_above) {
             d.set_options({authenticated_data, truncate_above});
           }, py::arg("authenticated_data") = false, py::arg("truncate_above") = 0,
           "AD flag on NOERROR answers; TC on UDP answers above `truncate_above` octets (0: client's limit).")
      .def("start", [](FakeDns& d) {
             Status s = d.start();
             if (!s.ok()) throw StartFailure("fake dns on " + d.address() + ": " + s.error);
           }, release(), "Binds UDP and TCP and serves; raises StartError.")
      .def("stop", &FakeDns::stop, release())
      .def_property_readonly("port", &FakeDns::port)
      .def_property_readonly("address", &FakeDns::address)
      .def_property_readonly("nameserver", &FakeDns::nameserver)
      .def("add_record", [](FakeDns& d, py::handle record) {
             Status s = d.add_record(record_from(record));
             if (!s.ok()) throw py::value_error(s.error);
           }, py::arg("record"))
      .def("add_record", [](FakeDns& d, std::string name, std::string type, std::string data, std::uint32_t ttl) {
             Status s = d.add_record(DnsRecord{std::move(name), std::move(type), ttl, std::move(data)});
             if (!s.ok()) throw py::value_error(s.error);
           }, py::arg("name"), py::arg("type"), py::arg("data"), py::arg("ttl") = 300)
      .def("remove_records", &FakeDns::remove_records, py::arg("name"))
      .def("set_fault", [](FakeDns& d, std::string name, py::handle fault, int times,
                           std::chrono::milliseconds delay) {
             d.set_fault(name, DnsFaultSpec{fault_from(fault), times, delay});
           }, py::arg("name"), py::arg("fault"), py::arg("times") = 0, py::arg("delay") = std::chrono::milliseconds(0),
           "Fault for `name`: only the first `times` queries (0 = all); `delay` holds each answer back.")
      .def("clear", &FakeDns::clear)
      .def("query_count", &FakeDns::query_count, py::arg("protocol") = DnsProtocol::Udp)
      .def("query_log", &FakeDns::query_log)
      .def("clear_query_log", &FakeDns::clear_query_log)
      .def("__enter__", [](FakeDns& d) -> FakeDns& {
             py::gil_scoped_release nogil;
             Status s = d.start();
             if (!s.ok()) throw StartFailure("fake dns: " + s.error);
             return d;
           }, py::return_value_policy::reference)
      .def("__exit__", [](FakeDns& d, py::args) { py::gil_scoped_release nogil; d.stop(); });
}

}  // namespace mxlab::py_bind
