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
  static const std::string kEmpty;
  for (const Compiled& c : matchers_) {
    const std::string* value = &kEmpty;
    for (const Label& label : labels) {
      if (label.name == c.matcher.name) {
        value = &label.value;
        break;
      }
    }
    bool ok;
    switch (c.matcher.op) {
      case LabelMatcher::Op::kEqual: ok = *value == c.matcher.value; break;
      case LabelMatcher::Op::kNotEqual: ok = *value != c.matcher.value; break;
      case LabelMatcher::Op::kRegexMatch:
        ok = RE2::PartialMatch(*value, *c.regex);
        break;
      case LabelMatcher::Op::kRegexNoMatch:
        ok = !RE2::PartialMatch(*value, *c.regex);
        break;
      default: ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace varve
