// The bind_<area> entry points module.cpp calls, one per subsystem; each is compiled only when
// the library it wraps exists (MXLAB_BIND_* definitions set by bindings/CMakeLists.txt).
#pragma once
#include <chrono>
#include <cmath>

#include <pybind11/pybind11.h>

namespace mxlab::py_bind {

void bind_errors(pybind11::module_& m);
void bind_config(pybind11::module_& m);
void bind_protocol(pybind11::module_& m);
void bind_log(pybind11::module_& m);
void bind_trace(pybind11::module_& m);  // before bind_mta: Mta.trace_hub returns a TraceHub
void bind_mta(pybind11::module_& m);
void bind_fakemx(pybind11::module_& m);
void bind_dns(pybind11::module_& m);
void bind_smtp(pybind11::module_& m);
void bind_client(pybind11::module_& m);  // SmtpSession
void bind_bounce(pybind11::module_& m);  // parse_dsn
void bind_tls(pybind11::module_& m);  // after bind_fakemx: extends its classes
void bind_scenario(pybind11::module_& m);  // run_scenario, ScenarioReport
void bind_blast(pybind11::module_& m);

// Python timeouts are float seconds; C++ waits take milliseconds.
inline std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

}  // namespace mxlab::py_bind
