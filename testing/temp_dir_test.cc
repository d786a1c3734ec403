#include "testing/temp_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace varve {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void Touch(const std::string& path) { std::ofstream(path) << "x"; }

TEST(TempDirTest, CreatesAFreshDirectoryAndRemovesEverythingInIt) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    EXPECT_NE(path.find("varve-test-"), std::string::npos);
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(dir.Path("f"), path + "/f");

    ASSERT_EQ(::mkdir(dir.Path("a").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(dir.Path("a/b").c_str(), 0755), 0);
    Touch(dir.Path("a/b/f"));
    Touch(dir.Path("g"));
    ASSERT_EQ(::chmod(dir.Path("a/b").c_str(), 0500), 0);  // read-only dir
  }
  EXPECT_FALSE(Exists(path));
}

TEST(TempDirTest, TwoDirectoriesAreDistinct) {
  TempDir a;
  TempDir b;
  EXPECT_NE(a.path(), b.path());
}

TEST(TempDirTest, NeverFollowsSymlinksOut) {
  TempDir outside;
  Touch(outside.Path("keep"));
  ASSERT_EQ(::mkdir(outside.Path("sub").c_str(), 0755), 0);
  Touch(outside.Path("sub/keep"));
  std::string inside_path;
  {
    TempDir inside;
    inside_path = inside.path();
    ASSERT_EQ(::symlink(outside.path().c_str(), inside.Path("to-dir").c_str()),
              0);
    ASSERT_EQ(
        ::symlink(outside.Path("keep").c_str(), inside.Path("to-file").c_str()),
        0);
    ASSERT_EQ(::mkdir(inside.Path("nested").c_str(), 0755), 0);
    ASSERT_EQ(::symlink(outside.Path("sub").c_str(),
                        inside.Path("nested/to-sub").c_str()),
              0);
  }
  EXPECT_FALSE(Exists(inside_path));
  EXPECT_TRUE(Exists(outside.Path("keep")));
  EXPECT_TRUE(Exists(outside.Path("sub/keep")));
}

}  // namespace
}  // namespace varve
