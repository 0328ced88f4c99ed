#include "common/tabwriter.h"

#include <gtest/gtest.h>

namespace rkt {
namespace {

// Expected outputs are Go 1.19's text/tabwriter, initialised as rkt's (0, 8, 1, '\t', 0).
TEST(TabAlign, AlignsAsRktsTabwriter) {
  EXPECT_EQ(tab_align("UUID\tAPP\tIMAGE NAME\tSTATE\tCREATED\tSTARTED\tNETWORKS\n5c2fcd5b\tprobe\texample.com/probe\t"
                      "exited\t2 seconds ago\t1 second ago\t\n"),
            "UUID\t\tAPP\tIMAGE NAME\t\tSTATE\tCREATED\t\tSTARTED\t\tNETWORKS\n5c2fcd5b\tprobe\texample.com/probe\t"
            "exited\t2 seconds ago\t1 second ago\t\n");
  EXPECT_EQ(tab_align("a\tb\nlonger-than-eight\tc\n\nx\ty\n"), "a\t\t\tb\nlonger-than-eight\tc\n\nx\ty\n")
      << "a line without a tab ends the block";
  EXPECT_EQ(tab_align("ID\tNAME\tSIZE\nsha512-0123456789ab\texample.com/probe:1.0\t2MiB\n"),
            "ID\t\t\tNAME\t\t\tSIZE\nsha512-0123456789ab\texample.com/probe:1.0\t2MiB\n");
  EXPECT_EQ(tab_align("\ta\tb\n\t\tc\ndd\tx\n"), "\ta\tb\n\t\tc\ndd\tx\n");
  EXPECT_EQ(tab_align("\xc3\xa9\t\xc3\xbc\nab\tc"), "\xc3\xa9\t\xc3\xbc\nab\tc")
      << "width in characters; no final newline";
  EXPECT_EQ(tab_align("no tabs\nstill none\n"), "no tabs\nstill none\n");
  EXPECT_EQ(tab_align(""), "");
}

}  // namespace
}  // namespace rkt
