// Metrics registry and its two renderings (Prometheus text exposition format 0.0.4, and the
// KumoMTA-style JSON document that kcli queue-summary reads).
#include "mta/common/metrics.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <sstream>

namespace mxlab {

namespace {
std::string_view type_name(MetricType t) { return t == MetricType::Counter ? "counter" : "gauge"; }

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

boost::json::value json_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return static_cast<std::int64_t>(v);
  return v;
}

std::string number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

void MetricsRegistry::declare(std::string name, MetricType type, std::string help, std::string label) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = metrics_.try_emplace(std::move(name));
  if (inserted) {
    it->second.type = type;
    it->second.help = std::move(help);
    it->second.label = std::move(label);
    if (it->second.label.empty()) it->second.series[""] = 0;
  }
}

MetricsRegistry::Metric* MetricsRegistry::find(std::string_view name) {
  auto it = metrics_.find(name);
  return it == metrics_.end() ? nullptr : &it->second;
}

void MetricsRegistry::add(std::string_view name, double delta, std::string_view label_value) {
  std::lock_guard lock(mu_);
  if (Metric* m = find(name)) {
    auto key = m->label.empty() ? std::string() : std::string(label_value);
    m->series[key] += delta;
  }
}

void MetricsRegistry::set(std::string_view name, double value, std::string_view label_value) {
  std::lock_guard lock(mu_);
  if (Metric* m = find(name)) {
    auto key = m->label.empty() ? std::string() : std::string(label_value);
    m->series[key] = value;
  }
}

void MetricsRegistry::erase_series(std::string_view name, std::string_view label_value) {
  std::lock_guard lock(mu_);
  if (Metric* m = find(name)) {
    if (auto it = m->series.find(label_value); it != m->series.end()) m->series.erase(it);
  }
}

double MetricsRegistry::get(std::string_view name, std::string_view label_value) const {
  std::lock_guard lock(mu_);
  auto it = metrics_.find(name);
  if (it == metrics_.end()) return 0;
  auto key = it->second.label.empty() ? std::string_view() : label_value;
  auto s = it->second.series.find(key);
  return s == it->second.series.end() ? 0 : s->second;
}

std::string MetricsRegistry::prometheus_text() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, m] : metrics_) {
    out += "# HELP " + name + " " + m.help + "\n";
    out += "# TYPE " + name + " " + std::string(type_name(m.type)) + "\n";
    for (const auto& [lv, v] : m.series) {
      if (m.label.empty()) {
        out += name + " " + number(v) + "\n";
      } else {
        out += name + "{" + m.label + "=\"" + escape_label(lv) + "\"} " + number(v) + "\n";
      }
    }
  }
  return out;
}

std::string MetricsRegistry::json_text() const {
  std::lock_guard lock(mu_);
  boost::json::object doc;
  for (const auto& [name, m] : metrics_) {
    boost::json::object entry;
    entry["help"] = m.help;
    entry["type"] = type_name(m.type);
    if (m.label.empty()) {
      entry["value"] = json_number(m.series.empty() ? 0.0 : m.series.begin()->second);
    } else {
      boost::json::object values;
      for (const auto& [lv, v] : m.series) values[lv] = json_number(v);
      boost::json::object by_label;
      by_label[m.label] = std::move(values);
      entry["value"] = std::move(by_label);
    }
    doc[name] = std::move(entry);
  }
  return boost::json::serialize(doc);
}

}  // namespace mxlab
