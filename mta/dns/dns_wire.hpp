// Wire-level primitives behind dns_message: a bounds-checked reader that expands compressed names
// and a writer that compresses them (RFC 1035 sections 3.1, 4.1.4). Internal to mta/dns; every
// failure is recorded as text in `error`, nothing throws and nothing reads outside the buffer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mxlab::dns::wire {

inline constexpr std::size_t kMaxNameOctets = 255;  // RFC 1035 section 2.3.4
inline constexpr std::size_t kMaxLabelOctets = 63;

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> wire) : wire_(wire) {}

  bool u8(std::uint8_t& v);
  bool u16(std::uint16_t& v);
  bool u32(std::uint32_t& v);
  bool bytes(std::size_t n, std::string& out);
  // A possibly compressed domain name in presentation form ("." for the root).
  bool name(std::string& out);

  std::size_t pos() const { return pos_; }
  std::size_t size() const { return wire_.size(); }
  std::size_t remaining() const { return wire_.size() - pos_; }
  bool fail(std::string_view why);
  const std::string& error() const { return error_; }

 private:
  std::span<const std::uint8_t> wire_;
  std::size_t pos_ = 0;
  std::string error_;
};

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void bytes(std::string_view b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void put_u16_at(std::size_t offset, std::uint16_t v);
  // Writes a name; `compress` allows pointers to earlier names (only for the RR types of
  // RFC 1035 itself: RFC 3597 section 4). Returns false and sets `error` on an invalid name.
  bool name(std::string_view presentation, bool compress = true);

  std::size_t size() const { return out_.size(); }
  // Drops everything from `offset` on, including compression targets there.
  void truncate(std::size_t offset);
  std::vector<std::uint8_t>& buffer() { return out_; }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::uint8_t> out_;
  std::unordered_map<std::string, std::uint16_t> suffixes_;  // wire-form suffix -> offset
  std::string error_;
};

// Presentation name -> uncompressed labels, validating label and name lengths. "\." and "\DDD"
// escapes are understood; a single trailing dot is ignored; "" and "." are the root.
bool split_labels(std::string_view presentation, std::vector<std::string>& labels, std::string& error);
// One label in presentation form: '.', '\\' and non-printable octets escaped as "\DDD".
void append_escaped_label(std::string& out, std::string_view label);

}  // namespace mxlab::dns::wire
