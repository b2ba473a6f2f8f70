// Python view of fakemx TLS (sim/fake_mx/tls): CertVariant, TlsMode, TlsConfig, the test CA and
// certificate factory, plus MxHostConfig.tls and the ServerOptions knobs of the session engine
// (CHUNKING, DSN, AUTH, throttles, messages per connection). Registered after bind_fakemx, whose
// classes it extends with properties.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "sim/fake_mx/mx_host.hpp"
#include "sim/fake_mx/tls/cert_factory.hpp"

namespace py = pybind11;
using mxlab::fakemx::MxHostConfig;
using mxlab::fakemx::TlsConfig;
using mxlab::fakemx::tls::CertVariant;
using mxlab::server::ServerOptions;

namespace mxlab::py_bind {
namespace {

// Adds a read-write property to a class another bind_<area>.cpp registered.
template <class T, class V>
void add_field(V T::*field, const char* name) {
  py::object cls = py::type::of<T>();
  // By reference (kept alive by self), so `config.tls.mode = ...` edits the config in place.
  py::cpp_function get([field](T& self) -> V& { return self.*field; }, py::return_value_policy::reference_internal);
  py::cpp_function set([field](T& self, V value) { self.*field = std::move(value); });
  py::setattr(cls, name, py::module_::import("builtins").attr("property")(get, set));
}

void bind_tls_config(py::module_& m) {
  py::enum_<CertVariant>(m, "CertVariant")
      .value("Valid", CertVariant::Valid).value("SelfSigned", CertVariant::SelfSigned)
      .value("Expired", CertVariant::Expired).value("NotYetValid", CertVariant::NotYetValid)
      .value("WrongHost", CertVariant::WrongHost).value("UntrustedRoot", CertVariant::UntrustedRoot)
      .value("IncompleteChain", CertVariant::IncompleteChain);
  py::enum_<TlsConfig::Mode>(m, "TlsMode")
      .value("None_", TlsConfig::Mode::None).value("Starttls", TlsConfig::Mode::Starttls)
      .value("Implicit", TlsConfig::Mode::Implicit);
  py::class_<TlsConfig>(m, "TlsConfig")
      .def(py::init<>())
      .def_readwrite("mode", &TlsConfig::mode)
      .def_readwrite("certificate", &TlsConfig::certificate)
      .def_readwrite("host_name", &TlsConfig::host_name)
      .def_readwrite("min_version", &TlsConfig::min_version)
      .def_readwrite("max_version", &TlsConfig::max_version)
      .def_readwrite("ciphers", &TlsConfig::ciphers)
      .def_readwrite("ciphersuites", &TlsConfig::ciphersuites)
      .def_readwrite("handshake_abort", &TlsConfig::handshake_abort)
      .def_readwrite("starttls_reply", &TlsConfig::starttls_reply)
      .def_readwrite("starttls_then_plaintext", &TlsConfig::starttls_then_plaintext);
}

}  // namespace

void bind_tls(py::module_& m) {
  bind_tls_config(m);
  m.def("test_ca_pem", [] { return fakemx::tls::test_ca_pem(); },
        "PEM of the per-process test CA that fake MX certificates chain to.");
  m.def("write_test_ca", [](const std::string& path) {
          Status s = fakemx::tls::write_pem(path, fakemx::tls::test_ca_pem());
          if (!s) throw std::runtime_error(s.error);
        }, py::arg("path"));
  m.def("make_credentials", [](CertVariant v, const std::string& host, const std::string& ip) {
          auto c = fakemx::tls::make_credentials(v, host, ip);
          if (!c) throw std::runtime_error(c.error());
          return py::make_tuple(c->chain_pem, c->private_key_pem);
        }, py::arg("variant"), py::arg("host_name"), py::arg("ip_address") = "",
        "(chain_pem, private_key_pem) for a leaf of the given variant.");
  add_field(&MxHostConfig::tls, "tls");
  add_field(&ServerOptions::chunking, "chunking");
  add_field(&ServerOptions::dsn, "dsn");
  add_field(&ServerOptions::auth_mechanisms, "auth_mechanisms");
  add_field(&ServerOptions::max_messages_per_connection, "max_messages_per_connection");
  add_field(&ServerOptions::read_bytes_per_second, "read_bytes_per_second");
  add_field(&ServerOptions::write_bytes_per_second, "write_bytes_per_second");
}

}  // namespace mxlab::py_bind
