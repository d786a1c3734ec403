// A fresh directory for one test, removed with everything in it when the
// TempDir is destroyed.
//
// Created with mkdtemp under $TMPDIR (or /tmp) with a "varve-test-" prefix.
// Removal works through directory descriptors (openat/unlinkat with
// O_NOFOLLOW) and unlinks symbolic links instead of following them, so a
// link a test leaves behind can never make it delete anything outside the
// directory. Test-only: if the directory cannot be created the process
// aborts with a message, since no test can run without it.
//
// Thread-safety: path() may be called from any thread; construction and
// destruction are not concurrent with anything else.
#ifndef VARVE_TESTING_TEMP_DIR_H_
#define VARVE_TESTING_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace varve {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory's absolute path, without a trailing slash.
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Path(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace varve

#endif  // VARVE_TESTING_TEMP_DIR_H_
