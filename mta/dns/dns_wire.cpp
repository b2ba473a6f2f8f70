// Bounds-checked DNS wire reader and compressing writer (RFC 1035 sections 3.1, 4.1.4).
// Loop safety: a compression pointer must point strictly before itself and a name may not exceed
// 255 octets, so every expansion terminates (a cycle needs a label, and labels add length).
#include "mta/dns/dns_wire.hpp"

#include <cctype>

namespace mxlab::dns::wire {

bool Reader::fail(std::string_view why) {
  if (error_.empty()) error_ = std::string(why) + " at offset " + std::to_string(pos_);
  return false;
}

bool Reader::u8(std::uint8_t& v) {
  if (remaining() < 1) return fail("truncated octet");
  v = wire_[pos_++];
  return true;
}

bool Reader::u16(std::uint16_t& v) {
  if (remaining() < 2) return fail("truncated 16-bit field");
  v = static_cast<std::uint16_t>((wire_[pos_] << 8) | wire_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool Reader::u32(std::uint32_t& v) {
  if (remaining() < 4) return fail("truncated 32-bit field");
  v = (std::uint32_t{wire_[pos_]} << 24) | (std::uint32_t{wire_[pos_ + 1]} << 16) |
      (std::uint32_t{wire_[pos_ + 2]} << 8) | std::uint32_t{wire_[pos_ + 3]};
  pos_ += 4;
  return true;
}

bool Reader::bytes(std::size_t n, std::string& out) {
  if (remaining() < n) return fail("truncated data");
  out.assign(reinterpret_cast<const char*>(wire_.data() + pos_), n);
  pos_ += n;
  return true;
}

bool Reader::name(std::string& out) {
  std::string text;
  std::size_t at = pos_, octets = 1;  // the terminating root label
  bool jumped = false;
  for (;;) {
    if (at >= wire_.size()) return fail("name runs past the end");
    const std::uint8_t len = wire_[at];
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= wire_.size()) return fail("truncated compression pointer");
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | wire_[at + 1];
      if (target >= at) return fail("compression pointer does not point backwards");
      if (!jumped) pos_ = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if ((len & 0xC0) != 0) return fail("unsupported label type");  // RFC 6891 section 5
    if (len == 0) break;
    octets += 1 + len;
    if (octets > kMaxNameOctets) return fail("name longer than 255 octets");
    if (at + 1 + len > wire_.size()) return fail("label runs past the end");
    if (!text.empty()) text.push_back('.');
    append_escaped_label(text, {reinterpret_cast<const char*>(wire_.data() + at + 1), len});
    at += 1 + len;
  }
  if (!jumped) pos_ = at + 1;
  out = text.empty() ? std::string(".") : std::move(text);
  return true;
}

void append_escaped_label(std::string& out, std::string_view label) {
  for (unsigned char c : label) {
    if (c == '.' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x21 || c > 0x7E) {
      const char digits[] = {'\\', char('0' + c / 100), char('0' + c / 10 % 10), char('0' + c % 10)};
      out.append(digits, 4);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

namespace {

// Reads one escape after a backslash at s[i]; advances i past it.
bool unescape(std::string_view s, std::size_t& i, std::string& label, std::string& error) {
  if (i + 1 >= s.size()) return error = "dangling backslash in name", false;
  if (std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    if (i + 3 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i + 2])) ||
        !std::isdigit(static_cast<unsigned char>(s[i + 3])))
      return error = "bad \\DDD escape in name", false;
    const int v = (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
    if (v > 255) return error = "\\DDD escape above 255 in name", false;
    label.push_back(static_cast<char>(v));
    i += 4;
    return true;
  }
  label.push_back(s[i + 1]);
  i += 2;
  return true;
}

}  // namespace

bool split_labels(std::string_view s, std::vector<std::string>& labels, std::string& error) {
  labels.clear();
  if (s.empty() || s == ".") return true;
  std::string label;
  std::size_t octets = 1, i = 0;
  auto close_label = [&]() {
    if (label.empty()) return error = "empty label in name", false;
    if (label.size() > kMaxLabelOctets) return error = "label longer than 63 octets", false;
    octets += 1 + label.size();
    labels.push_back(std::move(label));
    label.clear();
    return true;
  };
  while (i < s.size()) {
    if (s[i] == '\\') {
      if (!unescape(s, i, label, error)) return false;
    } else if (s[i] == '.') {
      if (!close_label()) return false;
      ++i;
      if (i == s.size()) break;  // trailing dot: fully qualified
    } else {
      label.push_back(s[i++]);
    }
  }
  if (!label.empty() && !close_label()) return false;
  if (octets > kMaxNameOctets) return error = "name longer than 255 octets", false;
  return true;
}

void Writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  u16(static_cast<std::uint16_t>(v));
}

void Writer::put_u16_at(std::size_t offset, std::uint16_t v) {
  out_[offset] = static_cast<std::uint8_t>(v >> 8);
  out_[offset + 1] = static_cast<std::uint8_t>(v);
}

bool Writer::name(std::string_view presentation, bool compress) {
  std::vector<std::string> labels;
  if (!split_labels(presentation, labels, error_)) return false;
  // Wire-form suffixes are the keys: exact octets, so the case a requester sent is preserved.
  std::vector<std::string> suffix(labels.size() + 1);
  for (std::size_t i = labels.size(); i-- > 0;)
    suffix[i] = static_cast<char>(labels[i].size()) + labels[i] + suffix[i + 1];
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (compress) {
      if (auto it = suffixes_.find(suffix[i]); it != suffixes_.end()) {
        u16(static_cast<std::uint16_t>(0xC000 | it->second));
        return true;
      }
    }
    if (out_.size() < 0x3FFF) suffixes_.emplace(suffix[i], static_cast<std::uint16_t>(out_.size()));
    u8(static_cast<std::uint8_t>(labels[i].size()));
    bytes(labels[i]);
  }
  u8(0);
  return true;
}

void Writer::truncate(std::size_t offset) {
  if (offset >= out_.size()) return;
  out_.resize(offset);
  std::erase_if(suffixes_, [offset](const auto& kv) { return kv.second >= offset; });
}

}  // namespace mxlab::dns::wire
