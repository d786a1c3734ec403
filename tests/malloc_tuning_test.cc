// The `varve` binary's restart with glibc malloc tunables (see
// tools/malloc_tuning.h): when it happens, what it keeps, and when it
// stays out of the way.
#include "tools/malloc_tuning.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/subprocess.h"

namespace varve::test {
namespace {

// Runs the probe under `env -i` with exactly `environment` (and PATH), so
// that the test's own environment cannot decide the outcome.
ProcessResult RunProbe(const std::vector<std::string>& environment) {
  std::vector<std::string> argv = {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.push_back(VARVE_MALLOC_TUNING_PROBE);
  argv.push_back("first argument");
  argv.push_back("--second");
  return RunProcess(argv);
}

std::string Expect(const std::string& tunables) {
  return tunables + "\nfirst argument\n--second\n";
}

TEST(MallocTuningTest, RestartsOnceWithTheTunablesAndTheSameArguments) {
  ProcessResult result = RunProbe({});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, Expect(tools::kMallocTunables));
}

TEST(MallocTuningTest, KeepsOtherTunablesAndAddsItsOwn) {
  ProcessResult result = RunProbe({"GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, Expect(std::string("glibc.rtld.optional_static_tls=4096:") +
                               tools::kMallocTunables));
}

TEST(MallocTuningTest, LeavesAUsersMallocTunablesAlone) {
  ProcessResult result = RunProbe({"GLIBC_TUNABLES=glibc.malloc.arena_max=2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, Expect("glibc.malloc.arena_max=2"));
}

TEST(MallocTuningTest, SwitchedOffByVarveMallocTuning) {
  ProcessResult result = RunProbe({"VARVE_MALLOC_TUNING=0"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, Expect("(unset)"));
}

TEST(MallocTuningTest, StaysOutOfTheWayUnderValgrind) {
  // valgrind marks its clients with its preloaded core; a fake name is
  // enough for the check, and the loader only warns about the missing file.
  ProcessResult result = RunProbe({"LD_PRELOAD=/nonexistent/vgpreload_core-amd64-linux.so"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, Expect("(unset)"));
}

}  // namespace
}  // namespace varve::test
