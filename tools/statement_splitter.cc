// Statement splitting for `varve query`: see statement_splitter.h.
#include "tools/statement_splitter.h"

namespace varve::tools {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string Trimmed(const std::string& text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsBlank(text[begin])) ++begin;
  while (end > begin && IsBlank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

}  // namespace

void StatementSplitter::Feed(std::string_view input, std::vector<StatementText>* out) {
  for (char c : input) Consume(c, out);
}

void StatementSplitter::Finish(std::vector<StatementText>* out) { EndStatement(out); }

void StatementSplitter::Consume(char c, std::vector<StatementText>* out) {
  switch (mode_) {
    case Mode::kQuoted:
    case Mode::kRegex: {
      current_.push_back(c);
      const char closing = mode_ == Mode::kQuoted ? quote_ : '/';
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == closing) {
        mode_ = Mode::kNormal;
        previous_ = c;
      }
      break;
    }
    case Mode::kComment:
      if (c != '\n') {
        current_.push_back(c);
        break;
      }
      // The comment's newline is an ordinary newline.
      mode_ = Mode::kNormal;
      ConsumeNormal(c, out);
      break;
    case Mode::kNormal:
      ConsumeNormal(c, out);
      break;
  }
  if (c == '\n') ++line_;
}

void StatementSplitter::ConsumeNormal(char c, std::vector<StatementText>* out) {
  if (dash_pending_) {
    dash_pending_ = false;
    if (c == '-') {
      current_.push_back(c);
      mode_ = Mode::kComment;
      return;
    }
    // The '-' was a minus after all.
    MarkContent(dash_line_);
    expect_regex_ = false;
  }
  if (c == ';' || (c == '\n' && depth_ == 0)) {
    EndStatement(out);
    return;
  }
  current_.push_back(c);
  if (IsBlank(c)) return;  // neither content nor a change of previous_
  if (c == '-') {
    // Content or a comment: the next byte tells.
    dash_pending_ = true;
    dash_line_ = line_;
    return;
  }
  MarkContent(line_);
  if (expect_regex_) {
    expect_regex_ = false;
    if (c == '/') {
      mode_ = Mode::kRegex;
      escaped_ = false;
      return;
    }
  }
  if (c == '\'' || c == '"') {
    mode_ = Mode::kQuoted;
    quote_ = c;
    escaped_ = false;
    return;
  }
  if (c == '~' && (previous_ == '=' || previous_ == '!')) expect_regex_ = true;
  if (c == '(') ++depth_;
  if (c == ')' && depth_ > 0) --depth_;
  previous_ = c;
}

void StatementSplitter::MarkContent(size_t line) {
  if (!has_content_) start_line_ = line;
  has_content_ = true;
}

void StatementSplitter::EndStatement(std::vector<StatementText>* out) {
  if (dash_pending_) MarkContent(dash_line_);
  if (has_content_) out->push_back({Trimmed(current_), start_line_});
  mode_ = Mode::kNormal;
  escaped_ = false;
  previous_ = 0;
  dash_pending_ = false;
  expect_regex_ = false;
  depth_ = 0;
  current_.clear();
  has_content_ = false;
}

std::vector<StatementText> SplitStatements(std::string_view input) {
  StatementSplitter splitter;
  std::vector<StatementText> statements;
  splitter.Feed(input, &statements);
  splitter.Finish(&statements);
  return statements;
}

}  // namespace varve::tools
