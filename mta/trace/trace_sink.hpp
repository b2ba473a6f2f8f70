// The TraceSink seam: sessions report protocol events here. `enabled()` is checked before an event
// is built, so with no subscriber tracing costs one atomic load. The subscriber machinery (filters,
// bounded buffers, drop counters, WebSocket transport) lives behind this interface.
#pragma once
#include <string>
#include <string_view>

namespace mxlab::trace {

enum class Direction { Server, Client };
enum class EventKind { Connected, Read, Write, Diagnostic, Closed, BeginSession, MessageObtained, MessageDisposition };
std::string_view to_string(EventKind k);

struct TraceEvent {
  Direction direction = Direction::Server;
  EventKind kind = EventKind::Connected;
  std::string session_id;
  std::string peer;     // remote address:port
  std::string local;    // local address:port
  std::string payload;  // protocol line, diagnostic text, ...
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual bool enabled(Direction d) const = 0;
  virtual void publish(TraceEvent event) = 0;
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
