// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view); varve speaks std::string_view and converts at the
// boundary with these.
#ifndef VARVE_UTIL_ABSL_COMPAT_H_
#define VARVE_UTIL_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace varve {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace varve

#endif  // VARVE_UTIL_ABSL_COMPAT_H_
