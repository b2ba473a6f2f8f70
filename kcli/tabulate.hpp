// Human-facing text helpers shared by kcli subcommands: column tables in the layout of
// KumoMTA's kcli (header row, one space between columns, widths from the widest cell) and
// the natural ordering it sorts names with ("q2" before "q10").
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mxlab::kcli {

enum class Align { Left, Right };

struct Column {
  std::string name;
  Align align = Align::Left;
};

// Renders header and rows, one line each, trailing blanks trimmed. Width counts code points.
std::string tabulate(const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows);

// Natural, case-insensitive ordering: digit runs compare by value; ties fall back to bytes.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace mxlab::kcli
