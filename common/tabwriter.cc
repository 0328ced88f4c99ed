#include "common/tabwriter.h"

#include <algorithm>
#include <vector>

namespace rkt {
namespace {

constexpr size_t kTabWidth = 8;
constexpr size_t kPadding = 1;

struct Cell {
  std::string text;
  size_t width = 0;  ///< in UTF-8 characters
};
using Line = std::vector<Cell>;  ///< the last cell is the text after the last tab

size_t utf8_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Go's tabwriter.format and writeLines, for one block of lines.
class Formatter {
 public:
  Formatter(const std::vector<Line>& lines, bool newline_at_end) : lines_(lines), newline_at_end_(newline_at_end) {}

  void format(size_t line0, size_t line1, size_t column) {
    for (size_t cur = line0; cur < line1; ++cur) {
      if (column + 1 >= lines_[cur].size()) continue;
      // A block of lines with a cell in this column starts here: what came before is done.
      write_lines(line0, cur);
      line0 = cur;
      size_t width = 0;
      for (; cur < line1 && column + 1 < lines_[cur].size(); ++cur) {
        width = std::max(width, lines_[cur][column].width + kPadding);
      }
      widths_.push_back(width);
      format(line0, cur, column + 1);
      widths_.pop_back();
      line0 = cur;
      if (cur == line1) break;
    }
    write_lines(line0, line1);
  }

  std::string out;

 private:
  void write_lines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out += line[j].text;
        if (j < widths_.size() && j + 1 < line.size()) {
          size_t cellw = (widths_[j] + kTabWidth - 1) / kTabWidth * kTabWidth;
          out.append((cellw - line[j].width + kTabWidth - 1) / kTabWidth, '\t');
        }
      }
      if (i + 1 < lines_.size() || newline_at_end_) out += '\n';
    }
  }

  const std::vector<Line>& lines_;
  bool newline_at_end_;
  std::vector<size_t> widths_;
};

std::string format_block(const std::vector<Line>& lines, bool newline_at_end) {
  Formatter f(lines, newline_at_end);
  f.format(0, lines.size(), 0);
  return f.out;
}

}  // namespace

std::string tab_align(const std::string& text) {
  std::string out;
  std::vector<Line> block;
  Line line(1);
  auto end_line = [&](bool newline) {
    for (auto& c : line) c.width = utf8_width(c.text);
    bool one_cell = line.size() == 1;
    block.push_back(std::move(line));
    line = Line(1);
    if (one_cell || !newline) {
      out += format_block(block, newline);
      block.clear();
    }
  };
  for (char ch : text) {
    if (ch == '\t') {
      line.emplace_back();
    } else if (ch == '\n') {
      end_line(true);
    } else {
      line.back().text += ch;
    }
  }
  if (line.size() > 1 || !line[0].text.empty()) end_line(false);
  if (!block.empty()) out += format_block(block, true);
  return out;
}

}  // namespace rkt
