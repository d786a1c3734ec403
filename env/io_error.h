// The one place where an errno becomes a status. Both the POSIX Env and the
// fault-injecting test filesystem build their errors here, so a test sees
// exactly the codes and messages production code would.
//
//   ENOSPC, EDQUOT -> ResourceExhausted
//   ENOENT         -> NotFound
//   EEXIST         -> AlreadyExists
//   EACCES, EPERM  -> PermissionDenied
//   anything else  -> Internal
//
// The message names the operation, the path and the system's description:
// "append /x/wal/wal-000000000001.ndjson: No space left on device".
#ifndef VARVE_ENV_IO_ERROR_H_
#define VARVE_ENV_IO_ERROR_H_

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace varve {

namespace io_error_internal {
// strerror_r has two signatures: glibc's GNU one returns the message, the
// XSI one fills the buffer and returns an int. Overloading on the result
// picks whichever this libc provides.
inline const char* StrerrorResult(const char* message, const char* /*buf*/) {
  return message;
}
inline const char* StrerrorResult(int rc, const char* buf) {
  return rc == 0 ? buf : "Unknown error";
}
}  // namespace io_error_internal

// The system's description of error_number ("No such file or directory").
// Thread-safe, unlike strerror().
inline std::string ErrnoMessage(int error_number) {
  char buf[256];
  buf[0] = '\0';
  return io_error_internal::StrerrorResult(
      strerror_r(error_number, buf, sizeof(buf)), buf);
}

inline absl::StatusCode ErrnoToStatusCode(int error_number) {
  switch (error_number) {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return absl::StatusCode::kResourceExhausted;
    case ENOENT:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EACCES:
    case EPERM:
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

// "<operation> <path>: <strerror>", with the code mapped as above.
inline absl::Status IoError(std::string_view operation, std::string_view path,
                            int error_number) {
  std::string message;
  message.reserve(operation.size() + path.size() + 40);
  message.append(operation);
  message.push_back(' ');
  message.append(path);
  message.append(": ");
  message.append(ErrnoMessage(error_number));
  return absl::Status(ErrnoToStatusCode(error_number), message);
}

}  // namespace varve

#endif  // VARVE_ENV_IO_ERROR_H_
