#include "testing/temp_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace varve {
namespace {

// Removes every entry of the directory open as dir_fd (which it closes).
// Subdirectories are entered with O_NOFOLLOW relative to their parent's
// descriptor, so a symlink or a rename elsewhere cannot redirect the walk;
// anything that is not a real directory (symlinks included) is unlinked.
// Best effort: failures are printed, never fatal.
void RemoveContents(int dir_fd, const std::string& where) {
  // Tests may leave a directory read-only; we own it, so restore access.
  ::fchmod(dir_fd, 0700);
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  for (const std::string& name : names) {
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      int child = ::openat(dir_fd, name.c_str(),
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child >= 0) RemoveContents(child, where + "/" + name);
      if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) {
        std::fprintf(stderr, "TempDir: cannot remove %s/%s: %s\n",
                     where.c_str(), name.c_str(), std::strerror(errno));
      }
    } else if (::unlinkat(dir_fd, name.c_str(), 0) != 0) {
      std::fprintf(stderr, "TempDir: cannot remove %s/%s: %s\n", where.c_str(),
                   name.c_str(), std::strerror(errno));
    }
  }
  ::closedir(dir);  // closes dir_fd
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string root = (base != nullptr && base[0] != '\0') ? base : "/tmp";
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string tmpl = root + "/varve-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::fprintf(stderr, "TempDir: mkdtemp %s: %s\n", tmpl.c_str(),
                 std::strerror(errno));
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  int fd =
      ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) RemoveContents(fd, path_);
  if (::rmdir(path_.c_str()) != 0) {
    std::fprintf(stderr, "TempDir: cannot remove %s: %s\n", path_.c_str(),
                 std::strerror(errno));
  }
}

std::string TempDir::Path(std::string_view name) const {
  std::string p = path_;
  p.push_back('/');
  p.append(name);
  return p;
}

}  // namespace varve
