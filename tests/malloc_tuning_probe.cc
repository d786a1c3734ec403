// A stand-in for the `varve` binary's start, for malloc_tuning_test: it
// restarts itself as `varve` does, then prints what the restarted process
// sees (GLIBC_TUNABLES, then its arguments, one per line).
#include <cstdio>
#include <cstdlib>

#include "tools/malloc_tuning.h"

int main(int argc, char** argv) {
  varve::tools::RestartWithMallocTunables(argv);
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::printf("%s\n", tunables != nullptr ? tunables : "(unset)");
  for (int i = 1; i < argc; ++i) std::printf("%s\n", argv[i]);
  return 0;
}
