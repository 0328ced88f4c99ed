#include "stage0/gunzip.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/unique_fd.h"
#include "tests/support/command.h"

namespace rkt::stage0 {
namespace {

class GunzipTest : public ::testing::Test {
 protected:
  // `text` through gzip(1), as a file.
  std::string gzip(const std::string& name, const std::string& text) {
    std::string plain = tmp_ / (name + ".plain");
    test::write_file(plain, text);
    EXPECT_EQ(test::run_command({"/bin/sh", "-c", "gzip -c '" + plain + "' > '" + plain + ".gz'"}).exit_code, 0);
    return test::read_file(plain + ".gz");
  }
  // Everything Gunzip gives for `data`, read through a file and in small pieces; the error if any.
  std::pair<std::string, std::string> inflate(const std::string& data, size_t piece = 1000) {
    std::string path = tmp_ / "in";
    test::write_file(path, data);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::string head(data.substr(0, std::min<size_t>(data.size(), 10)));
    ::lseek(fd.get(), static_cast<off_t>(head.size()), SEEK_SET);
    auto gz = Gunzip::open(fd.get(), head);
    EXPECT_TRUE(gz) << gz.error().message();
    std::string out, buf(piece, '\0');
    for (;;) {
      ptrdiff_t n = (*gz)->read(reinterpret_cast<unsigned char*>(buf.data()), buf.size());
      if (n < 0) return {out, (*gz)->error()};
      if (n == 0) return {out, ""};
      out.append(buf.data(), static_cast<size_t>(n));
    }
  }
  test::TempDir tmp_;
};

TEST_F(GunzipTest, InflatesWhatGzipWroteMembersAndAll) {
  std::string a(300000, 'a'), b;
  for (int i = 0; i < 200000; ++i) b += static_cast<char>('a' + (i * 7919) % 26);
  std::string ga = gzip("a", a), gb = gzip("b", b);
  EXPECT_TRUE(is_gzip(ga));
  EXPECT_FALSE(is_gzip("ustar"));
  EXPECT_EQ(inflate(ga), std::make_pair(a, std::string()));
  EXPECT_EQ(inflate(ga + gb, 1 << 18), std::make_pair(a + b, std::string())) << "concatenated members are one stream";
  EXPECT_EQ(inflate(ga + std::string(1024, '\0')).first, a) << "what follows the last member is ignored";
  EXPECT_EQ(inflate(gzip("empty", "")), std::make_pair(std::string(), std::string()));
}

TEST_F(GunzipTest, CorruptAndTruncatedDataAreErrors) {
  std::string b;
  for (int i = 0; i < 100000; ++i) b += static_cast<char>('a' + (i * 7919) % 26);
  std::string gb = gzip("b", b);
  EXPECT_EQ(inflate(gb.substr(0, gb.size() / 2)).second, "the gzip data is truncated");
  EXPECT_EQ(inflate(gb.substr(0, gb.size() - 4)).second, "the gzip data is truncated") << "no length in the trailer";
  std::string bad_crc = gb;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  EXPECT_EQ(inflate(bad_crc).second, "the gzip data fails its checksum");
  std::string bad_data = gb;
  for (size_t i = 20; i < 60; ++i) bad_data[i] = '\xff';
  EXPECT_NE(inflate(bad_data).second, "");
}

}  // namespace
}  // namespace rkt::stage0
