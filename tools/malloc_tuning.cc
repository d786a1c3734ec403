#include "tools/malloc_tuning.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace varve::tools {

void RestartWithMallocTunables(char** argv) {
#if defined(__linux__) && defined(__GLIBC__)
  if (const char* setting = std::getenv("VARVE_MALLOC_TUNING");
      setting != nullptr && std::strcmp(setting, "0") == 0) {
    return;
  }
  // valgrind preloads its own core into the client: an exec would leave
  // the tool behind and run the program natively.
  if (const char* preload = std::getenv("LD_PRELOAD");
      preload != nullptr && std::strstr(preload, "vgpreload") != nullptr) {
    return;
  }
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (current != nullptr && std::strstr(current, "glibc.malloc.") != nullptr) return;
  const std::string saved = current != nullptr ? current : "";
  std::string tunables = kMallocTunables;
  if (!saved.empty()) tunables = saved + ":" + tunables;
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // No /proc, or no permission: run on with the defaults.
  if (current != nullptr) {
    setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

}  // namespace varve::tools
