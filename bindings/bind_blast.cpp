// Python view of the load generator (sim/fake_mx/blast): _core.blast(address, port, ...) runs a
// load with the GIL released and returns the summary as a dict (the `fakemx blast` JSON).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "sim/fake_mx/blast/blast.hpp"

namespace py = pybind11;

namespace mxlab::py_bind {

void bind_blast(py::module_& m) {
  m.def(
      "blast",
      [](const std::string& address, int port, std::size_t connections, std::size_t messages,
         std::size_t per_connection, std::size_t size, std::size_t recipients, double rate, bool pipelining,
         bool starttls, const std::string& mail_from, const std::string& rcpt_to, double timeout,
         const std::string& ids_file) {
        if (port <= 0 || port > 65535) throw py::value_error("port must be 1-65535, got " + std::to_string(port));
        fakemx::BlastOptions o;
        o.address = address;
        o.port = static_cast<std::uint16_t>(port);
        o.connections = connections;
        o.messages = messages;
        o.per_connection = per_connection;
        o.size = size;
        o.recipients = recipients;
        o.rate = rate;
        o.pipelining = pipelining;
        o.starttls = starttls;
        o.mail_from = mail_from;
        o.rcpt_to = rcpt_to;
        o.timeout = seconds_to_ms(timeout);
        o.ids_file = ids_file;
        std::string json;
        std::string error;
        {
          py::gil_scoped_release nogil;
          auto r = fakemx::run_blast(o);
          if (r) json = r->json();
          else error = r.error();
        }
        if (!error.empty()) throw py::value_error(error);
        return py::module_::import("json").attr("loads")(json);
      },
      py::arg("address"), py::arg("port"), py::arg("connections") = 10, py::arg("messages") = 100,
      py::arg("per_connection") = 100, py::arg("size") = 1024, py::arg("recipients") = 1, py::arg("rate") = 0.0,
      py::arg("pipelining") = true, py::arg("starttls") = true, py::arg("mail_from") = "blast@origin.test",
      py::arg("rcpt_to") = "rcpt{r}@blast.test", py::arg("timeout") = 30.0, py::arg("ids_file") = "",
      "Sends `messages` messages over `connections` concurrent SMTP sessions (fakemx blast) and returns "
      "the summary: sent, accepted, deferred, rejected, errors, connections, tls_sessions, rate, latency_ms.");
}

}  // namespace mxlab::py_bind
