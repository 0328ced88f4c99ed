#pragma once

// Go's text/tabwriter as rkt configures it for its tables (rkt.go getTabOutWithWriter: minwidth 0,
// tabwidth 8, padding 1, padchar '\t', no flags), so that `rkt list` and `rkt image list` line up
// exactly as rkt's did. A cell is text ended by '\t'; the text after a line's last tab is not
// aligned. Consecutive lines that have a cell in a column form that column's block; its width
// is the widest cell (in UTF-8 characters) plus one, rounded up to a multiple of 8, and cells
// are padded to it with tabs. A line without a tab ends the blocks above it.

#include <string>

namespace rkt {

std::string tab_align(const std::string& text);

}  // namespace rkt
