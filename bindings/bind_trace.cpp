// Trace subscriptions for Python: TraceHub.subscribe(direction, filter_json, ...) returns a
// TraceSubscription whose next(timeout) blocks with the GIL released and returns one event as
// KumoMTA's JSON text (mxlab.trace parses it). The same hub serves the WebSocket endpoints.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "mta/trace/trace_event_json.hpp"
#include "mta/trace/trace_hub.hpp"

namespace py = pybind11;

namespace mxlab::py_bind {

namespace {

struct PySubscription {
  std::shared_ptr<trace::TraceSubscription> sub;
  bool terse = false;

  std::optional<std::string> next(double timeout) {
    std::shared_ptr<const trace::TraceEvent> e;
    {
      py::gil_scoped_release nogil;
      e = sub->next(seconds_to_ms(timeout));
    }
    if (!e) return std::nullopt;
    return trace::event_text(*e, terse);
  }
  std::optional<std::string> try_next() {
    auto e = sub->try_next();
    if (!e) return std::nullopt;
    return trace::event_text(*e, terse);
  }
};

trace::Direction direction_from(const std::string& d) {
  if (d == "client") return trace::Direction::Client;
  if (d == "server") return trace::Direction::Server;
  throw py::value_error("direction must be 'client' or 'server', not '" + d + "'");
}

py::dict counts_dict(const trace::TraceCounts& c) {
  py::dict d;
  d["produced"] = c.produced;
  d["delivered"] = c.delivered;
  d["dropped"] = c.dropped;
  d["filtered"] = c.filtered;
  d["queued"] = c.queued;
  d["notices"] = c.notices;
  return d;
}

}  // namespace

void bind_trace(py::module_& m) {
  py::class_<PySubscription>(m, "TraceSubscription")
      .def("next", &PySubscription::next, py::arg("timeout") = 1.0,
           "The next event as JSON text, waiting up to `timeout` seconds (GIL released); None on timeout or "
           "after close.")
      .def("try_next", &PySubscription::try_next, "The next event as JSON text, or None at once.")
      .def("counts", [](const PySubscription& s) { return counts_dict(s.sub->counts()); },
           "produced, delivered, dropped, filtered, queued, notices (produced = the other four).")
      .def("close", [](PySubscription& s) { s.sub->close(); }, "Ends the subscription; buffered events count as dropped.")
      .def_property_readonly("closed", [](const PySubscription& s) { return s.sub->closed(); })
      .def_property_readonly("name", [](const PySubscription& s) { return s.sub->name(); })
      .def_property_readonly("direction", [](const PySubscription& s) { return std::string(trace::to_string(s.sub->direction())); });

  py::class_<trace::TraceHub>(m, "TraceHub")
      .def(py::init<>())
      .def("subscribe", [](trace::TraceHub& hub, const std::string& direction, const std::string& filter_json,
                           std::size_t capacity, bool terse, const std::string& name) {
             auto d = direction_from(direction);
             auto filter = trace::TraceFilter::from_text(d, filter_json);
             if (!filter) throw py::value_error(filter.error());
             trace::SubscribeOptions o{d, std::move(*filter), capacity, name};
             return PySubscription{hub.subscribe(std::move(o)), terse};
           }, py::arg("direction"), py::arg("filter_json") = "{}", py::arg("capacity") = trace::kDefaultTraceCapacity,
           py::arg("terse") = false, py::arg("name") = "", py::keep_alive<0, 1>(),
           "Subscribes with a filter request (JSON, the WebSocket's first frame); raises ValueError on a bad filter.")
      .def("totals", [](const trace::TraceHub& hub, const std::string& direction) {
             auto t = hub.totals(direction_from(direction));
             return counts_dict(t);
           }, py::arg("direction"))
      .def("subscribers", [](const trace::TraceHub& hub, const std::string& direction) {
             return hub.subscribers(direction_from(direction));
           }, py::arg("direction"));
}

}  // namespace mxlab::py_bind
