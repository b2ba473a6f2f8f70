// The strict YAML Reader on its own: value grammars, nested readers, required keys, and the
// error text every other config file (scenarios, fakemx) relies on.
#include "mta/config/yaml_reader.hpp"

#include <gtest/gtest.h>

using namespace mxlab::config;
using namespace std::chrono_literals;

namespace {

std::string error_of(const std::string& text, const std::function<void(yaml::Reader&)>& fill) {
  auto err = yaml::read_text(text, "s.yaml", fill);
  return err ? err->str() : "ok";
}

TEST(ParseDuration, AcceptsUnitsAndPlainSeconds) {
  const std::vector<std::pair<std::string, std::chrono::milliseconds>> good = {
      {"500ms", 500ms}, {"30s", 30s}, {"20m", 20min}, {"2h", 2h}, {"7d", 7 * 24h}, {"45", 45s}, {"0", 0ms}};
  for (const auto& [text, want] : good) {
    auto got = yaml::parse_duration(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(*got, want) << text;
  }
  for (const char* bad : {"", "soon", "5 s", "-1s", "+1s", "1.5s", "10w", "s", "99999999999999999d"})
    EXPECT_FALSE(yaml::parse_duration(bad)) << bad;
}

TEST(ParseSize, AcceptsBinarySuffixes) {
  const std::vector<std::pair<std::string, std::uint64_t>> good = {
      {"1000", 1000}, {"10k", 10240}, {"10K", 10240}, {"10KB", 10240}, {"10KiB", 10240},
      {"25MB", 25u << 20}, {"25m", 25u << 20}, {"1G", 1u << 30}, {"7B", 7}};
  for (const auto& [text, want] : good) {
    auto got = yaml::parse_size(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(*got, want) << text;
  }
  for (const char* bad : {"", "big", "10T", "10 k", "-1", "10iB", "k", "99999999999999G"})
    EXPECT_FALSE(yaml::parse_size(bad)) << bad;
}

TEST(Reader, EntriesAndStringMapsReadFreeFormNames) {
  std::map<std::string, int> weights;
  std::map<std::string, std::string> meta;
  auto err = error_of("hosts:\n  mx1: {weight: 1}\n  mx2: {weight: 2}\nmeta: {tenant: t1}\n",
                      [&](yaml::Reader& r) {
                        r.entries("hosts", [&](const std::string& name, yaml::Reader& h) {
                          h.integer("weight", weights[name]);
                        });
                        r.string_map("meta", meta);
                      });
  EXPECT_EQ(err, "ok");
  EXPECT_EQ(weights, (std::map<std::string, int>{{"mx1", 1}, {"mx2", 2}}));
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"tenant", "t1"}}));
}

TEST(Reader, NestedErrorsCarryTheFullPath) {
  auto err = error_of("hosts:\n  mx1:\n    rules:\n      - {match: x, delay: later}\n",
                      [](yaml::Reader& r) {
                        r.entries("hosts", [](const std::string&, yaml::Reader& h) {
                          h.list("rules", [](yaml::Reader& rule, std::size_t) {
                            std::string m;
                            std::chrono::milliseconds d{};
                            rule.string("match", m);
                            rule.duration("delay", d);
                          });
                        });
                      });
  EXPECT_EQ(err, "s.yaml:4: hosts.mx1.rules[0].delay: bad duration 'later' (use 500ms, 30s, 20m, 2h, 7d)");
}

TEST(Reader, RequireNamesTheEnclosingMappingLine) {
  auto err = error_of("name: a\nmx:\n  port: 25\n", [](yaml::Reader& r) {
    std::string name;
    r.string("name", name);
    r.map("mx", [](yaml::Reader& m) {
      m.require("host");
      std::uint16_t port = 0;
      m.port("port", port);
    });
  });
  EXPECT_EQ(err, "s.yaml:3: mx.host: missing required key");
}

TEST(Reader, FirstErrorWinsAndLaterCallsAreNoOps) {
  int a = 0, b = 0;
  auto err = error_of("a: x\nb: 2\n", [&](yaml::Reader& r) {
    EXPECT_FALSE(r.integer("a", a));
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.integer("b", b));
  });
  EXPECT_EQ(err, "s.yaml:1: a: bad integer 'x'");
  EXPECT_EQ(b, 0);
}

TEST(Reader, AbsentKeysKeepDefaultsAndRawMarksKeysRead) {
  std::string s = "default";
  auto err = error_of("custom: {any: [shape]}\n", [&](yaml::Reader& r) {
    EXPECT_FALSE(r.string("missing", s));
    auto node = r.raw("custom");
    ASSERT_TRUE(node);
    EXPECT_TRUE(node->IsMap());
  });
  EXPECT_EQ(err, "ok");
  EXPECT_EQ(s, "default");
}

TEST(Reader, IntegerRangesAndTypes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"n: 5", "ok"},
      {"n: 11", "s.yaml:1: n: 11 is out of range (1..10)"},
      {"n: 1e3", "s.yaml:1: n: bad integer '1e3'"},
      {"n: ", "s.yaml:1: n: expected a single value, got nothing"},
      {"n: {a: 1}", "s.yaml:1: n: expected a single value, got a mapping"},
  };
  for (const auto& [text, want] : cases)
    EXPECT_EQ(error_of(text, [](yaml::Reader& r) { int n = 0; r.integer("n", n, 1, 10); }), want) << text;
}

TEST(Reader, TopLevelMustBeAMapping) {
  EXPECT_EQ(error_of("- a\n- b\n", [](yaml::Reader&) {}), "s.yaml:1: expected a mapping at the top level, got a list");
}

TEST(Reader, StringItemCheckReportsTheItemLine) {
  std::vector<std::string> v;
  auto err = error_of("xs:\n  - ok\n  - bad\n", [&](yaml::Reader& r) {
    r.strings("xs", v, [](const std::string& s) { return s == "ok" ? "" : "not ok: " + s; });
  });
  EXPECT_EQ(err, "s.yaml:3: xs[1]: not ok: bad");
}

}  // namespace
