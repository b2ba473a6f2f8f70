// Table layout and natural ordering for kcli output (see tabulate.hpp).
#include "kcli/tabulate.hpp"

#include <algorithm>
#include <cctype>

namespace mxlab::kcli {

namespace {
std::size_t display_width(std::string_view s) {
  // UTF-8 continuation bytes do not start a column.
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void emit_cell(std::string& out, std::string_view text, std::size_t width, Align align) {
  std::size_t pad = width - std::min(width, display_width(text));
  if (align == Align::Right) out.append(pad, ' ');
  out += text;
  if (align == Align::Left) out.append(pad, ' ');
}

void emit_row(std::string& out, const std::vector<std::string>& cells, const std::vector<Column>& columns,
              const std::vector<std::size_t>& widths) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ' ';
    emit_cell(out, cells[i], widths[i], i < columns.size() ? columns[i].align : Align::Left);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += '\n';
}

// Compares digit runs by value: skip leading zeros, then longer is larger, then digit by digit.
int compare_numbers(std::string_view a, std::string_view b) {
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::size_t digit_run(std::string_view s, std::size_t from) {
  std::size_t end = from;
  while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
  return end - from;
}
}  // namespace

std::string tabulate(const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& c : columns) widths.push_back(display_width(c.name));
  for (const auto& row : rows) {
    if (row.size() > widths.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  std::vector<std::string> header;
  for (const auto& c : columns) header.push_back(c.name);
  std::string out;
  emit_row(out, header, columns, widths);
  for (const auto& row : rows) emit_row(out, row, columns, widths);
  return out;
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    std::size_t da = digit_run(a, i), db = digit_run(b, j);
    if (da > 0 && db > 0) {
      if (int c = compare_numbers(a.substr(i, da), b.substr(j, db)); c != 0) return c < 0;
      i += da;
      j += db;
      continue;
    }
    int ca = std::tolower(static_cast<unsigned char>(a[i])), cb = std::tolower(static_cast<unsigned char>(b[j]));
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;
}

}  // namespace mxlab::kcli
