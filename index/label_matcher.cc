#include "index/label_matcher.h"

#include <re2/re2.h>

#include "absl/strings/str_cat.h"

namespace varve {

CompiledMatchers::CompiledMatchers() = default;
CompiledMatchers::~CompiledMatchers() = default;
CompiledMatchers::CompiledMatchers(CompiledMatchers&&) noexcept = default;
CompiledMatchers& CompiledMatchers::operator=(CompiledMatchers&&) noexcept =
    default;

absl::StatusOr<CompiledMatchers> CompiledMatchers::Compile(
    const std::vector<LabelMatcher>& matchers) {
  CompiledMatchers out;
  for (const LabelMatcher& m : matchers) {
    Compiled c{m, nullptr};
    if (m.op != LabelMatcher::Op::kEqual && m.op != LabelMatcher::Op::kNotEqual &&
        m.op != LabelMatcher::Op::kRegexMatch &&
        m.op != LabelMatcher::Op::kRegexNoMatch) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label matcher on \"", m.name, "\": unknown operator ",
          static_cast<int>(m.op)));
    }
    if (m.op == LabelMatcher::Op::kRegexMatch ||
        m.op == LabelMatcher::Op::kRegexNoMatch) {
      RE2::Options options;
      options.set_log_errors(false);
      c.regex = std::make_unique<RE2>(m.value, options);
      if (!c.regex->ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("label matcher on \"", m.name, "\": bad regular expression /",
                         m.value, "/: ", c.regex->error()));
      }
    }
    out.matchers_.push_back(std::move(c));
  }
  return out;
}

bool CompiledMatchers::Matches(const Labels& labels) const {
  for (size_t i = 0; i < matchers_.size(); ++i) {
    std::string_view value;  // a missing label reads as ""
    for (const Label& label : labels) {
      if (label.name == matchers_[i].matcher.name) {
        value = label.value;
        break;
      }
    }
    if (!MatchesValue(i, value)) return false;
  }
  return true;
}

bool CompiledMatchers::MatchesValue(size_t i, std::string_view value) const {
  const Compiled& c = matchers_[i];
  switch (c.matcher.op) {
    case LabelMatcher::Op::kEqual: return value == c.matcher.value;
    case LabelMatcher::Op::kNotEqual: return value != c.matcher.value;
    case LabelMatcher::Op::kRegexMatch:
      return RE2::PartialMatch(re2::StringPiece(value.data(), value.size()),
                               *c.regex);
    case LabelMatcher::Op::kRegexNoMatch:
      return !RE2::PartialMatch(re2::StringPiece(value.data(), value.size()),
                                *c.regex);
  }
  return false;  // an Op value outside the enum matches nothing
}

}  // namespace varve
