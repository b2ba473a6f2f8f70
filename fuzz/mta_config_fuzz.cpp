// libFuzzer: mtad's YAML config loader. Any text must load or yield a ConfigError, never crash;
// an error always names the file it was given.
#include <cstdlib>
#include <string>

#include "mta/config/mta_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto c = mxlab::config::load_mta_config_text(text, "fuzz.yaml");
  if (!c.ok() && c.error().file != "fuzz.yaml") std::abort();
  return 0;
}
