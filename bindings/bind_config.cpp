// Python view of mtad's configuration model (mta/config): the same structs, read/write, plus
// load_config_text/load_config_file which raise ConfigError naming the file, line and key.
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "mta/config/mta_config.hpp"

namespace py = pybind11;
using namespace mxlab::config;

namespace mxlab::py_bind {
namespace {

MtaConfig or_raise(Expected<MtaConfig, ConfigError> r) {
  if (!r.ok()) {
    const ConfigError& e = r.error();
    throw ConfigFailure(e.str(), e.file, e.line, e.key);
  }
  return std::move(r).value();
}

void bind_sections(py::module_& m) {
  py::class_<ListenerConfig>(m, "ListenerConfig")
      .def(py::init<>())
      .def_readwrite("address", &ListenerConfig::address)
      .def_readwrite("port", &ListenerConfig::port);
  py::class_<SpoolConfig>(m, "SpoolConfig")
      .def(py::init<>())
      .def_readwrite("path", &SpoolConfig::path)
      .def_readwrite("sync", &SpoolConfig::sync)
      .def_readwrite("min_free_space", &SpoolConfig::min_free_space);
  py::class_<ResolverConfig>(m, "ResolverConfig")
      .def(py::init<>())
      .def_readwrite("nameservers", &ResolverConfig::nameservers)
      .def_readwrite("timeout", &ResolverConfig::timeout)
      .def_readwrite("attempts", &ResolverConfig::attempts);
  py::enum_<TlsMode>(m, "DeliveryTlsMode")
      .value("Opportunistic", TlsMode::Opportunistic)
      .value("OpportunisticInsecure", TlsMode::OpportunisticInsecure)
      .value("Required", TlsMode::Required)
      .value("RequiredInsecure", TlsMode::RequiredInsecure)
      .value("Disabled", TlsMode::Disabled);
  py::class_<TlsPolicyConfig>(m, "TlsPolicyConfig")
      .def(py::init<>())
      .def_readwrite("mode", &TlsPolicyConfig::mode)
      .def_readwrite("ca_file", &TlsPolicyConfig::ca_file);
  py::class_<DeliveryConfig>(m, "DeliveryConfig")
      .def(py::init<>())
      .def_readwrite("port", &DeliveryConfig::port)
      .def_readwrite("ehlo_name", &DeliveryConfig::ehlo_name)
      .def_readwrite("connect_timeout", &DeliveryConfig::connect_timeout)
      .def_readwrite("command_timeout", &DeliveryConfig::command_timeout)
      .def_readwrite("data_timeout", &DeliveryConfig::data_timeout)
      .def_readwrite("max_mx_addresses", &DeliveryConfig::max_mx_addresses)
      .def_readwrite("max_deliveries_per_connection", &DeliveryConfig::max_deliveries_per_connection)
      .def_readwrite("idle_timeout", &DeliveryConfig::idle_timeout)
      .def_readwrite("max_recipients_per_transaction", &DeliveryConfig::max_recipients_per_transaction)
      .def_readwrite("tls", &DeliveryConfig::tls)
      .def_readwrite("tls_domains", &DeliveryConfig::tls_domains);
  py::class_<RetryConfig>(m, "RetryConfig")
      .def(py::init<>())
      .def_readwrite("initial_interval", &RetryConfig::initial_interval)
      .def_readwrite("multiplier", &RetryConfig::multiplier)
      .def_readwrite("max_interval", &RetryConfig::max_interval)
      .def_readwrite("max_age", &RetryConfig::max_age)
      .def_readwrite("jitter", &RetryConfig::jitter)
      .def_readwrite("seed", &RetryConfig::seed);
  py::class_<AdminConfig>(m, "AdminConfig")
      .def(py::init<>())
      .def_readwrite("enabled", &AdminConfig::enabled)
      .def_readwrite("address", &AdminConfig::address)
      .def_readwrite("port", &AdminConfig::port)
      .def_readwrite("trusted_hosts", &AdminConfig::trusted_hosts)
      .def_readwrite("token", &AdminConfig::token)
      .def_readwrite("allow_unauthenticated", &AdminConfig::allow_unauthenticated);
  py::class_<LogConfig>(m, "LogConfig")
      .def(py::init<>())
      .def_readwrite("path", &LogConfig::path)
      .def_readwrite("postfix_path", &LogConfig::postfix_path);
  py::class_<LimitsConfig>(m, "LimitsConfig")
      .def(py::init<>())
      .def_readwrite("max_message_size", &LimitsConfig::max_message_size)
      .def_readwrite("max_line_length", &LimitsConfig::max_line_length)
      .def_readwrite("max_recipients", &LimitsConfig::max_recipients)
      .def_readwrite("max_connections", &LimitsConfig::max_connections)
      .def_readwrite("max_connections_per_ip", &LimitsConfig::max_connections_per_ip)
      .def_readwrite("idle_timeout", &LimitsConfig::idle_timeout)
      .def_readwrite("session_timeout", &LimitsConfig::session_timeout);
}

}  // namespace

void bind_config(py::module_& m) {
  bind_sections(m);
  // Sections are returned by value (pybind11 copies nested structs and lists), so edit a
  // section and assign it back: `s = cfg.retry; s.multiplier = 1.0; cfg.retry = s`.
  py::class_<MtaConfig>(m, "MtaConfig")
      .def(py::init<>())
      .def_readwrite("hostname", &MtaConfig::hostname)
      .def_readwrite("listeners", &MtaConfig::listeners)
      .def_readwrite("spool", &MtaConfig::spool)
      .def_readwrite("resolver", &MtaConfig::resolver)
      .def_readwrite("delivery", &MtaConfig::delivery)
      .def_readwrite("retry", &MtaConfig::retry)
      .def_readwrite("admin", &MtaConfig::admin)
      .def_readwrite("log", &MtaConfig::log)
      .def_readwrite("limits", &MtaConfig::limits);

  m.def("load_config_text", [](const std::string& yaml, const std::string& name) {
        return or_raise(load_mta_config_text(yaml, name));
      }, py::arg("yaml"), py::arg("name") = "<text>",
      "Parses mtad YAML text with the daemon's own loader; raises ConfigError.");
  m.def("load_config_file", [](const std::string& path) {
        return or_raise(load_mta_config_file(path));
      }, py::arg("path"), "Loads an mtad YAML file; raises ConfigError.");
}

}  // namespace mxlab::py_bind
