// Metrics registry: named counters and gauges with at most one label, thread-safe.
// Rendered as Prometheus text (GET /metrics) and KumoMTA's JSON shape (GET /metrics.json):
//   {"name": {"help": "...", "type": "counter", "value": 3}}                       (no label)
//   {"name": {"help": "...", "type": "gauge", "value": {"queue": {"a.example": 2}}}} (labelled)
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace mxlab {

enum class MetricType { Counter, Gauge };

class MetricsRegistry {
 public:
  // Declares a metric (idempotent). `label` is the label name for labelled metrics, empty otherwise.
  void declare(std::string name, MetricType type, std::string help, std::string label = {});
  // Counter increment; the metric must be declared. label_value is ignored for unlabelled metrics.
  void add(std::string_view name, double delta = 1, std::string_view label_value = {});
  // Gauge set.
  void set(std::string_view name, double value, std::string_view label_value = {});
  // Removes one labelled series (e.g. a queue that went away).
  void erase_series(std::string_view name, std::string_view label_value);
  double get(std::string_view name, std::string_view label_value = {}) const;

  std::string prometheus_text() const;
  std::string json_text() const;

 private:
  struct Metric {
    MetricType type;
    std::string help;
    std::string label;
    std::map<std::string, double, std::less<>> series;  // "" key for unlabelled
  };
  Metric* find(std::string_view name);
  mutable std::mutex mu_;
  std::map<std::string, Metric, std::less<>> metrics_;
};

}  // namespace mxlab
