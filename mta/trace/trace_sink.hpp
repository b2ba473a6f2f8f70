// The TraceSink seam: sessions report protocol events here. `enabled()` is checked before an event
// is built, so with no subscriber tracing costs one atomic load. TraceHub (trace_hub.hpp) is the
// real sink: filters, bounded per-subscriber buffers and exact drop counters.
#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace mxlab::trace {

enum class Direction { Server, Client };
std::string_view to_string(Direction d);  // "server" | "client"

// Payload variants, named as KumoMTA's trace payloads (docs/TRACE.md lists each one's shape).
enum class EventKind {
  Connected,
  Read,
  Write,
  Diagnostic,
  Closed,
  BeginSession,        // client: the session starts, before any connection
  MessageObtained,     // client: a message is ready to go on an established connection
  MessageDisposition,  // server: what reception decided about a message
  Callback,            // server: a policy hook's result
};
std::string_view to_string(EventKind k);

// Session facts, KumoMTA's conn_meta: keys appear as they become known (docs/TRACE.md).
using ConnMeta = boost::json::object;

struct TraceEvent {
  Direction direction = Direction::Server;
  EventKind kind = EventKind::Connected;
  std::string session_id;
  std::string peer;     // remote address:port
  std::string local;    // local address:port
  std::string payload;  // Read/Write bytes, Diagnostic message
  // Structured payload fields: Diagnostic {level}, Callback {name, result, error},
  // MessageDisposition {relay, queue, meta, sender, recipient, id, will_enqueue}.
  boost::json::object detail{};
  std::shared_ptr<const ConnMeta> meta{};  // a snapshot; shared by the events that saw it
  std::chrono::system_clock::time_point when{};  // set by publish when left empty
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual bool enabled(Direction d) const = 0;
  // Narrower interests, checked with enabled() before an event is built: whether events of `kind`
  // are taken at all, and whether they need their conn_meta snapshot. A sink that keeps a plain
  // transcript (fakemx's recorder) takes neither Callback events nor conn_meta.
  virtual bool wants(EventKind) const { return true; }
  virtual bool wants_meta() const { return true; }
  virtual void publish(TraceEvent event) = 0;
  // When every subscriber of `d` has a full buffer, counts one event with connection facts `meta`
  // as produced and filtered or dropped for each of them, exactly as publish would, and returns
  // true: the producer then builds nothing (a stalled subscriber costs almost nothing).
  virtual bool absorb_if_saturated(Direction, const ConnMeta*) { return false; }
};

// A sink that never wants events.
class NullTraceSink final : public TraceSink {
 public:
  bool enabled(Direction) const override { return false; }
  void publish(TraceEvent) override {}
  static NullTraceSink& instance() {
    static NullTraceSink s;
    return s;
  }
};

}  // namespace mxlab::trace
