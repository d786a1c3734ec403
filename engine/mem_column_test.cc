// The memtable's column memory: arena blocks and the slab pool that hands
// a sealed table's memory to the next table.
#include "engine/mem_column.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

namespace varve {
namespace {

TEST(SlabPoolTest, KeepsSlabsUpToItsLimitAndHandsBackTheLastFirst) {
  SlabPool pool(3 << 20);
  SlabPool::Slab a{static_cast<char*>(std::malloc(1 << 20)), 1 << 20};
  SlabPool::Slab b{static_cast<char*>(std::malloc(2 << 20)), 2 << 20};
  SlabPool::Slab c{static_cast<char*>(std::malloc(1 << 20)), 1 << 20};
  pool.Give(a);
  pool.Give(b);
  pool.Give(c);  // over the limit: freed
  EXPECT_EQ(pool.kept_bytes(), 3u << 20);
  SlabPool::Slab taken;
  ASSERT_TRUE(pool.Take(&taken));
  EXPECT_EQ(taken.data, b.data);
  EXPECT_EQ(taken.size, b.size);
  EXPECT_EQ(pool.kept_bytes(), 1u << 20);
  pool.Give(taken);  // back, and freed with the pool
}

TEST(SlabPoolTest, ANewArenaFillsTheMemoryOfOneThatEnded) {
  auto pool = std::make_shared<SlabPool>(64 << 20);
  void* slab_start;
  {
    ColumnArena arena(pool);
    slab_start = arena.NewBlock();  // the first block of its first slab
    BlockVector<int64_t> values(&arena);
    for (int64_t i = 0; i < 1000; ++i) values.push_back(i);
    arena.FreeBlock(slab_start);
  }
  EXPECT_GT(pool->kept_bytes(), 0u);
  ColumnArena arena(pool);
  void* first = arena.NewBlock();
  EXPECT_EQ(first, slab_start);
  EXPECT_EQ(pool->kept_bytes(), 0u);
  SlabPool::Slab none;
  EXPECT_FALSE(pool->Take(&none));
  BlockVector<int64_t> values(&arena);
  values.push_back(7);
  EXPECT_EQ(values[0], 7);
  arena.FreeBlock(first);
}

TEST(SlabPoolTest, WithoutAPoolAnArenaFreesItsSlabs) {
  ColumnArena arena;
  BlockVector<double> values(&arena);
  for (int i = 0; i < 10000; ++i) values.push_back(i * 0.5);
  EXPECT_EQ(values.size(), 10000u);
  EXPECT_EQ(values[9999], 9999 * 0.5);
}

}  // namespace
}  // namespace varve
