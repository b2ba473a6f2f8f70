// Python view of one running MTA (mta/core): Mta with start/stop (GIL released), ports, queue
// snapshot, metrics, and delivery log records collected from construction so none are missed.
#include <memory>
#include <sstream>

#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bind.hpp"
#include "bindings/errors.hpp"
#include "bindings/log_collector.hpp"
#include "mta/core/mta.hpp"
#include "mta/trace/trace_hub.hpp"
#include "mta/queue/retry_schedule.hpp"

namespace py = pybind11;
using mxlab::core::Mta;

namespace mxlab::py_bind {
namespace {

// Owns the Mta and its log collector; the listener holds the collector by shared_ptr because
// DeliveryLog has no remove_listener and may outlive a Python reference to the records.
class MtaHandle {
 public:
  // virtual_time: the MTA runs on its own ManualClock, starting at the current (whole) second.
  MtaHandle(config::MtaConfig config, Clock* clock, bool virtual_time)
      : collector_(std::make_shared<LogCollector>()),
        own_clock_(virtual_time && !clock ? std::make_unique<ManualClock>(std::chrono::floor<std::chrono::seconds>(
                                                SystemClock::instance().now()))
                                          : nullptr),
        clock_(own_clock_ ? own_clock_.get() : clock),
        mta_(std::make_unique<Mta>(std::move(config), clock_)) {
    mta_->delivery_log().add_listener([c = collector_](const log::LogRecord& r) { c->add(r); });
  }

  // The MTA's clock as a ManualClock; raises unless it runs in virtual time.
  ManualClock& manual_clock() {
    auto* manual = dynamic_cast<ManualClock*>(clock_);
    if (!manual) throw py::value_error("this MTA runs on the system clock; start it with virtual_time=True");
    return *manual;
  }
  bool is_virtual() const { return clock_ && clock_->is_virtual(); }
  TimePoint now() const { return clock_ ? clock_->now() : SystemClock::instance().now(); }

  void start() {
    Status s = mta_->start();
    if (!s.ok()) throw StartFailure("mta start: " + s.error);
  }
  void stop(double grace_seconds) { mta_->stop(seconds_to_ms(grace_seconds)); }
  Mta& mta() { return *mta_; }

  std::vector<log::LogRecord> records(std::optional<log::RecordType> type, const std::string& rcpt) const {
    std::vector<log::LogRecord> out;
    for (auto& r : collector_->records())
      if ((!type || r.type == *type) && (rcpt.empty() || r.recipient == rcpt)) out.push_back(std::move(r));
    return out;
  }

  std::vector<log::LogRecord> wait_for_log(log::RecordType type, std::size_t count, double timeout,
                                           const std::string& rcpt) {
    std::size_t n = 0;
    {
      py::gil_scoped_release nogil;
      n = collector_->wait(type, count, rcpt, seconds_to_ms(timeout));
    }
    if (n < count) throw WaitTimeoutFailure(timeout_message(type, count, n, timeout, rcpt));
    return records(type, rcpt);
  }

 private:
  // Says what the log did hold, which is what a failing test needs to see.
  std::string timeout_message(log::RecordType type, std::size_t want, std::size_t got, double timeout,
                              const std::string& rcpt) const {
    std::ostringstream os;
    os << "waited " << timeout << "s for " << want << " " << log::to_string(type) << " record(s)";
    if (!rcpt.empty()) os << " for <" << rcpt << ">";
    os << ", saw " << got << "; log:";
    auto all = collector_->records();
    if (all.empty()) os << " (empty)";
    for (const auto& r : all)
      os << "\n  " << log::to_string(r.type) << " <" << r.recipient << "> " << r.response.code << " "
         << r.response.content;
    return os.str();
  }

  std::shared_ptr<LogCollector> collector_;
  std::unique_ptr<ManualClock> own_clock_;
  Clock* clock_;
  std::unique_ptr<Mta> mta_;
};

queue::AttemptPlan plan_retries(const config::RetryConfig& retry, TimePoint received, std::chrono::milliseconds attempt_duration,
                                std::size_t max_attempts) {
  if (retry.jitter > 0 && !retry.seed)
    throw py::value_error("plan_retries: retry.seed must be set when retry.jitter > 0 (the plan replays the seeded jitter)");
  return queue::plan_attempts(retry, retry.jitter, retry.seed.value_or(0), received, attempt_duration, max_attempts);
}

// Record types may be given as RecordType or by name ("Delivery"), as tests usually do.
log::RecordType record_type_from(py::handle h) {
  if (!py::isinstance<py::str>(h)) return h.cast<log::RecordType>();
  auto name = h.cast<std::string>();
  if (auto t = log::parse_record_type(name)) return *t;
  throw py::value_error("unknown log record type '" + name + "'");
}

void bind_support(py::module_& m) {
  py::class_<Clock>(m, "Clock");
  py::class_<ManualClock, Clock>(m, "ManualClock")
      .def(py::init<>())
      .def(py::init<TimePoint>(), py::arg("start"))
      .def("now", &ManualClock::now)
      .def("advance", [](ManualClock& c, std::chrono::milliseconds d) { c.advance(d); }, py::arg("delta"))
      .def("set", &ManualClock::set, py::arg("time"));

  py::class_<MetricsRegistry>(m, "MetricsRegistry")
      .def("get", &MetricsRegistry::get, py::arg("name"), py::arg("label_value") = "")
      .def("prometheus_text", &MetricsRegistry::prometheus_text)
      .def("json_text", &MetricsRegistry::json_text);

  py::class_<queue::AttemptPlan>(m, "RetryPlan")
      .def_readonly("attempts", &queue::AttemptPlan::attempts, "every attempt time, the first at reception")
      .def_readonly("expires_at", &queue::AttemptPlan::expires_at, "received + max_age")
      .def("__repr__", [](const queue::AttemptPlan& p) {
        return "RetryPlan(" + std::to_string(p.attempts.size()) + " attempts, expires " + format_rfc3339(p.expires_at) + ")";
      });
  m.def("plan_retries", &plan_retries, py::arg("retry"), py::arg("received"),
        py::arg("attempt_duration") = std::chrono::milliseconds(0), py::arg("max_attempts") = 100000,
        "Attempt times of a message that fails every attempt, as the scheduler computes them with this "
        "RetryConfig (jitter replayed from retry.seed), until the next would fall past max_age.");

  using core::QueuedEnvelope;
  using core::QueuedMessage;
  py::class_<QueuedEnvelope>(m, "QueuedEnvelope")
      .def_readonly("envelope_id", &QueuedEnvelope::envelope_id)
      .def_readonly("recipient", &QueuedEnvelope::recipient)
      .def_readonly("state", &QueuedEnvelope::state)
      .def_readonly("attempts", &QueuedEnvelope::attempts)
      .def_readonly("next_attempt", &QueuedEnvelope::next_attempt)
      .def_readonly("last_error", &QueuedEnvelope::last_error);
  py::class_<QueuedMessage>(m, "QueuedMessage")
      .def_readonly("id", &QueuedMessage::id)
      .def_readonly("sender", &QueuedMessage::sender)
      .def_readonly("queue", &QueuedMessage::queue)
      .def_readonly("envelopes", &QueuedMessage::envelopes)
      .def("__repr__", [](const QueuedMessage& q) {
        return "QueuedMessage(" + q.id + " queue=" + q.queue + " envelopes=" + std::to_string(q.envelopes.size()) + ")";
      });
}

}  // namespace

void bind_mta(py::module_& m) {
  bind_support(m);
  using release = py::call_guard<py::gil_scoped_release>;
  py::class_<MtaHandle>(m, "Mta")
      .def(py::init<config::MtaConfig, Clock*, bool>(), py::arg("config"), py::arg("clock") = nullptr,
           py::arg("virtual_time") = false, py::keep_alive<1, 3>())
      .def_property_readonly("virtual_time", &MtaHandle::is_virtual)
      .def("now", &MtaHandle::now, "The MTA's clock (virtual time when started with virtual_time=True).")
      .def("advance", [](MtaHandle& h, double seconds) {
             if (!(seconds >= 0)) throw py::value_error("advance: seconds must be >= 0 (virtual time never goes back)");
             h.manual_clock().advance(std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(seconds)));
           }, py::arg("seconds"),
           "Moves virtual time forward; due retries start at once (wait for their log records).")
      .def("advance_to", [](MtaHandle& h, TimePoint t) {
             auto& clock = h.manual_clock();
             if (t > clock.now()) clock.set(t);
           }, py::arg("time"), "Moves virtual time to `time` (no-op when it is not in the future).")
      .def("start", &MtaHandle::start, release(), "Starts listeners; raises StartError.")
      .def("stop", &MtaHandle::stop, py::arg("grace") = 5.0, release(),
           "Graceful drain bounded by `grace` seconds; idempotent.")
      .def("smtp_port", [](MtaHandle& h, std::size_t i) { return h.mta().smtp_port(i); },
           py::arg("listener") = 0)
      .def_property_readonly("admin_port", [](MtaHandle& h) { return h.mta().admin_port(); })
      .def_property_readonly("config", [](MtaHandle& h) { return h.mta().config(); })
      .def_property_readonly("metrics", [](MtaHandle& h) -> MetricsRegistry& { return h.mta().metrics(); },
                             py::return_value_policy::reference_internal)
      .def_property_readonly("trace_hub", [](MtaHandle& h) -> trace::TraceHub& { return h.mta().trace_hub(); },
                             py::return_value_policy::reference_internal,
                             "Live SMTP client/server traces (mxlab.trace subscribes here).")
      .def_property_readonly("recovered_messages", [](MtaHandle& h) { return h.mta().recovered_messages(); })
      .def("queue_snapshot", [](MtaHandle& h) { return h.mta().queue_snapshot(); }, release())
      .def("log_records", [](const MtaHandle& h, py::object type, const std::string& rcpt) {
             std::optional<log::RecordType> t;
             if (!type.is_none()) t = record_type_from(type);
             return h.records(t, rcpt);
           }, py::arg("type") = py::none(), py::arg("recipient") = "",
           "Delivery log records so far, optionally of one type and/or recipient, in order.")
      .def("wait_for_log", [](MtaHandle& h, py::handle type, std::size_t count, double timeout,
                              const std::string& rcpt) {
             return h.wait_for_log(record_type_from(type), count, timeout, rcpt);
           }, py::arg("type"), py::arg("count") = 1,
           py::arg("timeout") = 10.0, py::arg("recipient") = "",
           "Blocks (GIL released) until `count` records of `type` exist; raises WaitTimeout.")
      .def("__enter__", [](MtaHandle& h) -> MtaHandle& {
             py::gil_scoped_release nogil;
             h.start();
             return h;
           },
           py::return_value_policy::reference)
      .def("__exit__", [](MtaHandle& h, py::args) { py::gil_scoped_release nogil; h.stop(5.0); });
}

}  // namespace mxlab::py_bind
