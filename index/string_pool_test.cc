#include "index/string_pool.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace varve::index {
namespace {

TEST(StringPoolTest, InternReturnsOneIdPerDistinctString) {
  StringPool pool;
  const StringId a = pool.Intern("host");
  const StringId b = pool.Intern("region");
  EXPECT_NE(a, b);
  EXPECT_EQ(pool.Intern(std::string("host")), a);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool.Get(a), "host");
  EXPECT_EQ(pool.Get(b), "region");
}

TEST(StringPoolTest, FindDoesNotAdd) {
  StringPool pool;
  EXPECT_EQ(pool.Find("x"), std::nullopt);
  EXPECT_EQ(pool.size(), 0u);
  const StringId x = pool.Intern("x");
  EXPECT_EQ(pool.Find("x"), x);
}

TEST(StringPoolTest, EmptyAndEmbeddedNulStringsAreDistinct) {
  StringPool pool;
  const StringId empty = pool.Intern("");
  const StringId nul = pool.Intern(std::string_view("\0", 1));
  EXPECT_NE(empty, nul);
  EXPECT_EQ(pool.Get(empty), "");
  EXPECT_EQ(pool.Get(nul), std::string_view("\0", 1));
}

TEST(StringPoolTest, ViewsStayValidAcrossManyBlocks) {
  StringPool pool;
  std::vector<std::string_view> views;
  // Enough to fill many blocks, with some strings that get their own block.
  for (int i = 0; i < 20000; ++i) {
    std::string s = "value-" + std::to_string(i);
    if (i % 997 == 0) s += std::string(40000, 'x');
    views.push_back(pool.Get(pool.Intern(s)));
  }
  for (int i = 0; i < 20000; ++i) {
    std::string s = "value-" + std::to_string(i);
    if (i % 997 == 0) s += std::string(40000, 'x');
    ASSERT_EQ(views[i], s);
    ASSERT_EQ(pool.Find(s), static_cast<StringId>(i));
  }
  EXPECT_GT(pool.memory_bytes(), 20000u * 10);
}

}  // namespace
}  // namespace varve::index
