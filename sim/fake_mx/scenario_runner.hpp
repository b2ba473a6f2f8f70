// Runs a scenario: fake DNS, fake MX hosts on one shared port, one mtad core instance, the
// messages; then waits (with the scenario's deadline) until every expectation holds and
// reports a readable diff of what happened instead when one does not.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/fake_mx/scenario.hpp"

namespace mxlab::fakemx {

struct ScenarioReport {
  bool passed = false;
  std::vector<std::string> problems;  // one line per unmet expectation (expected vs actual)
  std::vector<std::string> events;    // what happened: log records, per recipient
  std::string text() const;           // readable report
};

// `workdir` holds the spool; `say` receives progress lines (listening addresses etc.).
ScenarioReport run_scenario(const Scenario& scenario, const std::string& workdir,
                            const std::function<void(const std::string&)>& say = nullptr);

}  // namespace mxlab::fakemx
