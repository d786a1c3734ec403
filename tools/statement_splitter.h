// Cuts the text `varve query` reads from standard input into statements of
// the query language, so that each can be run on its own.
//
// A statement ends at a ';' or at a newline, except inside an open
// parenthesis, a 'single-quoted string', a "double-quoted identifier", a
// /regex/ (after =~ or !~) or a `--` comment (whose own newline still ends
// the statement). So the input may hold one statement per line, several on
// one line separated by ';', or one spread over lines within parentheses.
// Statements holding nothing but blanks and comments are dropped.
//
// The splitter follows the lexer's quoting rules (query/lexer.h): a
// backslash escapes the next byte inside quotes and regexes. It does not
// validate anything: an unterminated string simply runs to the end of the
// input, and the parser then reports it.
//
// Thread-compatible: one splitter per input.
#ifndef VARVE_TOOLS_STATEMENT_SPLITTER_H_
#define VARVE_TOOLS_STATEMENT_SPLITTER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace varve::tools {

struct StatementText {
  std::string text;  // without the ending ';' or newline, trimmed of blanks
  size_t line = 1;   // 1-based input line of its first character
};

class StatementSplitter {
 public:
  // Consumes the next piece of the input (pieces may cut anywhere, even
  // inside "=~" or "--") and appends the statements it completes to *out.
  void Feed(std::string_view input, std::vector<StatementText>* out);
  // Ends the input: appends the unfinished statement, if any, to *out.
  void Finish(std::vector<StatementText>* out);

 private:
  enum class Mode { kNormal, kQuoted, kRegex, kComment };

  void Consume(char c, std::vector<StatementText>* out);
  void ConsumeNormal(char c, std::vector<StatementText>* out);
  // Notes that the statement has a character that is not blank or comment.
  void MarkContent(size_t line);
  void EndStatement(std::vector<StatementText>* out);

  Mode mode_ = Mode::kNormal;
  char quote_ = 0;            // kQuoted: the closing quote
  bool escaped_ = false;      // kQuoted, kRegex: the previous byte was '\'
  char previous_ = 0;         // kNormal: the previous byte outside quotes
  bool dash_pending_ = false;  // kNormal: a '-' that may begin "--"
  size_t dash_line_ = 0;
  bool expect_regex_ = false;  // after =~ or !~, until the next non-blank
  int depth_ = 0;              // open parentheses
  size_t line_ = 1;            // current input line
  std::string current_;
  bool has_content_ = false;
  size_t start_line_ = 1;
};

// Splits a whole input at once.
std::vector<StatementText> SplitStatements(std::string_view input);

}  // namespace varve::tools

#endif  // VARVE_TOOLS_STATEMENT_SPLITTER_H_
