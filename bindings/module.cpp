// The _core extension module: registers the Python exceptions, then each subsystem's bindings.
// The pure-Python package (bindings/python/mxlab) re-exports what is defined here.
#include <pybind11/pybind11.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"

namespace py = pybind11;

namespace mxlab::py_bind {

void bind_errors(py::module_& m) {
  // One base class so tests can catch every mxlab failure at once.
  static py::exception<std::runtime_error> base(m, "Error", PyExc_RuntimeError);
  static py::exception<ConfigFailure> config_error(m, "ConfigError", base.ptr());
  static py::exception<StartFailure> start_error(m, "StartError", base.ptr());
  static py::exception<SmtpFailure> smtp_error(m, "SmtpError", base.ptr());
  // Also a builtin TimeoutError, so `except TimeoutError` works as expected.
  py::object timeout_bases = py::make_tuple(base, py::reinterpret_borrow<py::object>(PyExc_TimeoutError));
  static py::exception<WaitTimeoutFailure> wait_timeout(m, "WaitTimeout", timeout_bases.ptr());

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ConfigFailure& e) {
      // Carry where the error is, not just the text (mirrors config::ConfigError).
      py::object err = py::handle(config_error.ptr())(e.what());
      err.attr("file") = e.file;
      err.attr("line") = e.line;
      err.attr("key") = e.key;
      PyErr_SetObject(config_error.ptr(), err.ptr());
    } catch (const StartFailure& e) {
      start_error(e.what());
    } catch (const SmtpFailure& e) {
      smtp_error(e.what());
    } catch (const WaitTimeoutFailure& e) {
      wait_timeout(e.what());
    }
  });
}

}  // namespace mxlab::py_bind

PYBIND11_MODULE(_core, m) {
  using namespace mxlab::py_bind;
  m.doc() = "mxlab C++ core: MTA, fake MX hosts, fake DNS and SMTP submission";
  bind_errors(m);
#ifdef MXLAB_BIND_PROTOCOL
  bind_protocol(m);  // Reply and EnhancedCode first: later signatures name them
#endif
#ifdef MXLAB_BIND_CONFIG
  bind_config(m);
#endif
#ifdef MXLAB_BIND_LOG
  bind_log(m);
#endif
#ifdef MXLAB_BIND_SMTP
  bind_smtp(m);
#endif
#ifdef MXLAB_BIND_CLIENT
  bind_client(m);  // after bind_errors (its exceptions derive from SmtpError) and protocol
#endif
#ifdef MXLAB_BIND_TRACE
  bind_trace(m);
#endif
#ifdef MXLAB_BIND_MTA
  bind_mta(m);
#endif
#ifdef MXLAB_BIND_FAKEMX
  bind_fakemx(m);
#endif
#ifdef MXLAB_BIND_DNS
  bind_dns(m);
#endif
#ifdef MXLAB_BIND_BOUNCE
  bind_bounce(m);
#endif
#ifdef MXLAB_BIND_TLS
  bind_tls(m);
#endif
#ifdef MXLAB_BIND_SCENARIO
  bind_scenario(m);
#endif
#ifdef MXLAB_BIND_BLAST
  bind_blast(m);
#endif
}
