// Runs a scenario: fake DNS, fake MX hosts on one shared port, one mtad core instance, the
// messages; then waits (with the scenario's deadline) until every expectation holds and
// reports a readable diff of what happened instead when one does not.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "mta/common/expected.hpp"
#include "sim/fake_mx/dns/fake_dns.hpp"
#include "sim/fake_mx/mx_host.hpp"
#include "sim/fake_mx/scenario.hpp"

namespace mxlab::fakemx {

struct ScenarioReport {
  bool passed = false;
  std::vector<std::string> problems;  // one line per unmet expectation (expected vs actual)
  std::vector<std::string> events;    // what happened: log records, per recipient
  std::string text() const;           // readable report
};

// `workdir` holds the spool; `say` receives progress lines (listening addresses etc.);
// `record_path`, when set, receives every host's recording as one JSON document.
ScenarioReport run_scenario(const Scenario& scenario, const std::string& workdir,
                            const std::function<void(const std::string&)>& say = nullptr,
                            const std::string& record_path = "");

// The pieces, for `fakemx serve`: the scenario's hosts on one shared port, its DNS options,
// and {"hosts": [<MxHost::recording_json()>...]}.
Expected<std::vector<std::unique_ptr<MxHost>>> start_hosts(const Scenario& s);
FakeDnsOptions dns_options(const Scenario& s);
std::string recording_json(const std::vector<std::unique_ptr<MxHost>>& hosts);

}  // namespace mxlab::fakemx
