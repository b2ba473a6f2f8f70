// libFuzzer: the fakemx scenario loader (zone, hosts and rules, an embedded mtad section,
// messages, expectations). Any text must load or yield a ConfigError, never crash.
#include <cstdlib>
#include <string>

#include "sim/fake_mx/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  using mxlab::fakemx::ScenarioUse;
  for (ScenarioUse use : {ScenarioUse::Run, ScenarioUse::Serve}) {
    auto s = mxlab::fakemx::load_scenario_text(text, "fuzz.yaml", use);
    if (!s.ok() && s.error().file != "fuzz.yaml") std::abort();
  }
  return 0;
}
