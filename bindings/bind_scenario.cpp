// Python view of the scenario runner (sim/fake_mx/scenario_runner.hpp): run a scenario file
// in-process, exactly as `fakemx run FILE` does, and get its report. A bad file raises
// ConfigError (file, line, key); the run itself holds the GIL released.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "sim/fake_mx/scenario_runner.hpp"

namespace py = pybind11;

namespace mxlab::py_bind {

void bind_scenario(py::module_& m) {
  using fakemx::ScenarioReport;
  py::class_<ScenarioReport>(m, "ScenarioReport")
      .def_readonly("passed", &ScenarioReport::passed)
      .def_readonly("problems", &ScenarioReport::problems, "one readable difference per unmet expectation")
      .def_readonly("events", &ScenarioReport::events, "what happened: log records and received transactions")
      .def("text", &ScenarioReport::text)
      .def("__bool__", [](const ScenarioReport& r) { return r.passed; })
      .def("__repr__", [](const ScenarioReport& r) {
        return std::string("ScenarioReport(passed=") + (r.passed ? "True" : "False") + ", problems=" +
               std::to_string(r.problems.size()) + ")";
      });

  m.def("run_scenario",
        [](const std::string& path, const std::string& workdir, const std::string& record) {
          auto scenario = fakemx::load_scenario_file(path);
          if (!scenario) {
            const auto& e = scenario.error();
            throw ConfigFailure(e.str(), e.file, e.line, e.key);
          }
          py::gil_scoped_release nogil;
          return fakemx::run_scenario(*scenario, workdir, nullptr, record);
        },
        py::arg("path"), py::arg("workdir"), py::arg("record") = "",
        "Runs a scenario file in-process (as `fakemx run`): spool under workdir, optional JSON "
        "recording of every host. Returns a ScenarioReport; raises ConfigError for a bad file.");
}

}  // namespace mxlab::py_bind
