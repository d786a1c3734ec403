// Label matchers compiled once per read: equality tests and RE2 patterns
// (linear time, so no pattern can take exponential time).
#ifndef VARVE_INDEX_LABEL_MATCHER_H_
#define VARVE_INDEX_LABEL_MATCHER_H_

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "varve/engine.h"
#include "varve/record.h"

namespace re2 {
class RE2;
}

namespace varve {

class CompiledMatchers {
 public:
  // InvalidArgument names the matcher whose pattern does not compile.
  static absl::StatusOr<CompiledMatchers> Compile(
      const std::vector<LabelMatcher>& matchers);

  CompiledMatchers();
  ~CompiledMatchers();
  CompiledMatchers(CompiledMatchers&&) noexcept;
  CompiledMatchers& operator=(CompiledMatchers&&) noexcept;

  // True if every matcher holds for `labels` (canonical). A missing label
  // reads as the empty string. Regexes are unanchored: they match if they
  // match anywhere in the value.
  bool Matches(const Labels& labels) const;

  // Matcher by matcher, for callers that test each distinct label value once
  // (the series index) instead of each series.
  size_t size() const { return matchers_.size(); }
  const LabelMatcher& matcher(size_t i) const { return matchers_[i].matcher; }
  // True if matcher i holds for a label whose value is `value`; a missing
  // label is tested as "".
  bool MatchesValue(size_t i, std::string_view value) const;

 private:
  struct Compiled {
    LabelMatcher matcher;
    std::unique_ptr<re2::RE2> regex;
  };
  std::vector<Compiled> matchers_;
};

}  // namespace varve

#endif  // VARVE_INDEX_LABEL_MATCHER_H_
