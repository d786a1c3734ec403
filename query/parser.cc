// The query parser: recursive descent over the tokens of query/lexer.h,
// one token of lookahead (two where a name may start a call). The grammar
// is in docs/QUERY.md; each Parse* function below names the rule it reads.
//
// Thread-safe: every call builds its own Parser.
#include "query/parser.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ndjson/time_parse.h"
#include "query/lexer.h"
#include "util/status_macros.h"

namespace varve::query {
namespace {

// How deep parentheses, unary minus, NOT and call arguments may nest: the
// parser recurses once per level, so this bounds its stack.
constexpr int kMaxNesting = 256;
// How many binary operators (+ - * / AND OR) one statement may hold. Chains
// of them build trees as deep as they are long, and every later stage walks
// those trees recursively; this keeps that depth modest too.
constexpr int kMaxOperators = 4096;

// The token's text for "found '...'": its first line, cut to a readable
// length (not inside a UTF-8 sequence).
std::string Shown(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  bool cut = false;
  if (size_t newline = text.find('\n'); newline != std::string_view::npos) {
    text = text.substr(0, newline);
    cut = true;
  }
  if (text.size() > kMaxShown) {
    size_t end = kMaxShown;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string shown(text);
  if (cut) shown += "...";
  return shown;
}

std::string ToLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// "A, B, C" with the last two joined by " or ".
std::string OneOf(const std::vector<std::string>& options) {
  std::string joined;
  for (size_t i = 0; i < options.size(); ++i) {
    if (i > 0) joined += (i + 1 == options.size()) ? " or " : ", ";
    joined += options[i];
  }
  return joined;
}

class Parser {
 public:
  Parser(std::string_view text, int64_t now_ns)
      : text_(text), now_ns_(now_ns), cur_(Lex(text, 0)) {}

  // statements := statement (';' statement)* [';']. With `only_one`, the
  // statement may be followed by one ';' and nothing else.
  absl::StatusOr<std::vector<Statement>> ParseStatements(bool only_one) {
    std::vector<Statement> statements;
    while (true) {
      while (!only_one && At(TokenKind::kSemicolon)) Advance();
      if (At(TokenKind::kEnd) && !statements.empty()) break;
      if (only_one && !statements.empty()) {
        if (At(TokenKind::kSemicolon)) Advance();
        if (!At(TokenKind::kEnd)) return Expected("end of input");
        break;
      }
      operators_ = 0;
      VARVE_ASSIGN_OR_RETURN(Statement statement, ParseStatement());
      statements.push_back(std::move(statement));
      // Each statement checked that ';' or the end follows it.
    }
    return statements;
  }

 private:
  // ---- Tokens ----

  bool At(TokenKind kind) const { return cur_.kind == kind; }
  bool AtKeyword(std::string_view keyword) const { return IsKeyword(cur_, keyword); }

  void Advance() {
    prev_end_ = cur_.end;
    cur_ = Lex(text_, cur_.end);
  }

  // The token after the current one.
  Token Peek() const { return Lex(text_, cur_.end); }

  absl::Status ErrorAtPos(size_t pos, std::string_view message) const {
    return absl::InvalidArgumentError(ErrorAt(text_, pos, message));
  }

  // "expected <what>, found '<current token>'", or the lexer's complaint
  // when the current token is malformed. The end of input is reported just
  // after the last token, where something is missing.
  absl::Status Expected(std::string_view what) const {
    if (At(TokenKind::kError)) return ErrorAtPos(cur_.pos, cur_.error);
    std::string message = "expected " + std::string(what) + ", found ";
    if (At(TokenKind::kEnd)) {
      return ErrorAtPos(prev_end_, message + "end of input");
    }
    if (At(TokenKind::kString)) {
      message += "string " + Shown(cur_.text);
    } else {
      message += "'" + Shown(cur_.text) + "'";
    }
    return ErrorAtPos(cur_.pos, message);
  }

  absl::Status ExpectKeyword(std::string_view keyword) {
    if (!AtKeyword(keyword)) return Expected(keyword);
    Advance();
    return absl::OkStatus();
  }

  absl::Status ExpectToken(TokenKind kind, std::string_view what) {
    if (!At(kind)) return Expected(what);
    Advance();
    return absl::OkStatus();
  }

  // ';' or the end must follow a statement; otherwise the error lists what
  // could have come next (`options`, the clauses still allowed).
  absl::Status ExpectStatementEnd(std::vector<std::string> options) {
    if (At(TokenKind::kSemicolon) || At(TokenKind::kEnd)) return absl::OkStatus();
    options.push_back("';'");
    options.push_back("end of input");
    return Expected(OneOf(options));
  }

  // An identifier: bare (not a reserved word) or double-quoted.
  absl::StatusOr<std::string> ParseIdentifier(std::string_view what) {
    std::string name;
    if (At(TokenKind::kIdentifier) && !IsReservedWord(cur_.text)) {
      name = std::string(cur_.text);
    } else if (At(TokenKind::kQuotedIdentifier)) {
      if (cur_.value.empty()) return ErrorAtPos(cur_.pos, "an identifier cannot be empty");
      name = cur_.value;
    } else {
      return Expected(what);
    }
    Advance();
    return name;
  }

  absl::StatusOr<uint64_t> ParseNonNegativeInteger() {
    if (!At(TokenKind::kNumber) || !cur_.is_integer || cur_.integer < 0) {
      return Expected("non-negative integer");
    }
    const uint64_t value = static_cast<uint64_t>(cur_.integer);
    Advance();
    return value;
  }

  // Counts one more level of nesting; the returned guard gives it back.
  class NestingGuard {
   public:
    explicit NestingGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~NestingGuard() { --*depth_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

   private:
    int* depth_;
  };
  absl::Status CheckNesting() const {
    if (nesting_ > kMaxNesting) {
      return ErrorAtPos(cur_.pos, "expression nested too deeply (more than " +
                                      std::to_string(kMaxNesting) + " levels)");
    }
    return absl::OkStatus();
  }
  absl::Status CountOperator(size_t pos) {
    if (++operators_ > kMaxOperators) {
      return ErrorAtPos(pos, "statement has too many operators (more than " +
                                 std::to_string(kMaxOperators) + ")");
    }
    return absl::OkStatus();
  }

  // ---- Statements ----

  // statement := select | show
  absl::StatusOr<Statement> ParseStatement() {
    if (AtKeyword("SELECT")) {
      VARVE_ASSIGN_OR_RETURN(SelectStatement select, ParseSelect());
      return Statement(std::move(select));
    }
    if (AtKeyword("SHOW")) {
      VARVE_ASSIGN_OR_RETURN(ShowStatement show, ParseShow());
      return Statement(std::move(show));
    }
    return Expected("SELECT or SHOW");
  }

  // select := SELECT items FROM metric [WHERE] [GROUP BY] [FILL] [ORDER BY]
  //           [LIMIT [OFFSET]] [SLIMIT [SOFFSET]]
  absl::StatusOr<SelectStatement> ParseSelect() {
    SelectStatement select;
    select.pos = cur_.pos;
    Advance();
    while (true) {
      VARVE_ASSIGN_OR_RETURN(SelectItem item, ParseSelectItem());
      select.items.push_back(std::move(item));
      if (At(TokenKind::kComma)) {
        Advance();
        continue;
      }
      if (AtKeyword("FROM")) break;
      return Expected("',' or FROM");
    }
    Advance();
    select.metric_pos = cur_.pos;
    VARVE_ASSIGN_OR_RETURN(select.metric, ParseIdentifier("metric name"));

    // What may still follow, for the error when something else does.
    std::vector<std::string> next = {"WHERE", "GROUP BY", "FILL", "ORDER BY", "LIMIT", "SLIMIT"};
    auto after = [&next](std::string_view clause) {
      auto it = std::find(next.begin(), next.end(), clause);
      next.erase(next.begin(), it == next.end() ? next.end() : it + 1);
    };

    if (AtKeyword("WHERE")) {
      Advance();
      VARVE_ASSIGN_OR_RETURN(select.where, ParseCondition());
      after("WHERE");
      next.insert(next.begin(), {"AND", "OR"});
    }
    if (AtKeyword("GROUP")) {
      Advance();
      VARVE_RETURN_IF_ERROR(ExpectKeyword("BY"));
      VARVE_RETURN_IF_ERROR(ParseGroupBy(&select));
      after("GROUP BY");
      next.insert(next.begin(), "','");
    }
    if (AtKeyword("FILL")) {
      Advance();
      VARVE_RETURN_IF_ERROR(ParseFill(&select));
      after("FILL");
    }
    if (AtKeyword("ORDER")) {
      Advance();
      VARVE_RETURN_IF_ERROR(ExpectKeyword("BY"));
      VARVE_RETURN_IF_ERROR(ExpectKeyword("TIME"));
      after("ORDER BY");
      if (AtKeyword("DESC")) {
        select.order_desc = true;
        Advance();
      } else if (AtKeyword("ASC")) {
        Advance();
      } else {
        next.insert(next.begin(), {"ASC", "DESC"});
      }
    }
    if (AtKeyword("LIMIT")) {
      Advance();
      VARVE_ASSIGN_OR_RETURN(select.limit, ParseNonNegativeInteger());
      after("LIMIT");
      next.insert(next.begin(), "OFFSET");
      if (AtKeyword("OFFSET")) {
        Advance();
        VARVE_ASSIGN_OR_RETURN(select.offset, ParseNonNegativeInteger());
        after("OFFSET");
      }
    }
    if (AtKeyword("SLIMIT")) {
      Advance();
      VARVE_ASSIGN_OR_RETURN(select.slimit, ParseNonNegativeInteger());
      next = {"SOFFSET"};
      if (AtKeyword("SOFFSET")) {
        Advance();
        VARVE_ASSIGN_OR_RETURN(select.soffset, ParseNonNegativeInteger());
        next.clear();
      }
    }
    VARVE_RETURN_IF_ERROR(ExpectStatementEnd(std::move(next)));
    return select;
  }

  // select_item := '*' | expr [AS ident]
  absl::StatusOr<SelectItem> ParseSelectItem() {
    SelectItem item;
    if (At(TokenKind::kStar)) {
      item.expr = MakeExpr(Expr::Kind::kStar, cur_.pos);
      Advance();
    } else {
      VARVE_ASSIGN_OR_RETURN(item.expr, ParseExpr());
    }
    if (AtKeyword("AS")) {
      Advance();
      VARVE_ASSIGN_OR_RETURN(item.alias, ParseIdentifier("alias name"));
    }
    return item;
  }

  // group_item := TIME '(' duration [',' ['-'] duration] ')' | '*' | ident
  absl::Status ParseGroupBy(SelectStatement* select) {
    while (true) {
      if (AtKeyword("TIME")) {
        const size_t time_pos = cur_.pos;
        if (select->group_time.has_value()) {
          return ErrorAtPos(time_pos, "GROUP BY time() may be given only once");
        }
        Advance();
        VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kLeftParen, "'('"));
        if (!At(TokenKind::kDuration)) return Expected("duration");
        if (cur_.duration_ns <= 0) {
          return ErrorAtPos(cur_.pos, "the GROUP BY time() interval must be greater than zero");
        }
        select->group_time = cur_.duration_ns;
        select->group_time_pos = time_pos;
        Advance();
        if (At(TokenKind::kComma)) {
          Advance();
          bool negative = false;
          if (At(TokenKind::kMinus)) {
            negative = true;
            Advance();
          }
          if (!At(TokenKind::kDuration)) return Expected("duration");
          select->group_offset = negative ? -cur_.duration_ns : cur_.duration_ns;
          Advance();
          VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kRightParen, "')'"));
        } else {
          VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kRightParen, "',' or ')'"));
        }
      } else if (At(TokenKind::kStar)) {
        select->group_all_labels = true;
        Advance();
      } else {
        VARVE_ASSIGN_OR_RETURN(std::string label, ParseIdentifier("time(), '*' or label name"));
        select->group_labels.push_back(std::move(label));
      }
      if (!At(TokenKind::kComma)) return absl::OkStatus();
      Advance();
    }
  }

  // fill := '(' (NULL | NONE | PREVIOUS | LINEAR | ['-'] number) ')'
  absl::Status ParseFill(SelectStatement* select) {
    VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kLeftParen, "'('"));
    FillOption& fill = select->fill;
    if (AtKeyword("NULL")) {
      fill.kind = FillOption::Kind::kNull;
      Advance();
    } else if (AtKeyword("NONE")) {
      fill.kind = FillOption::Kind::kNone;
      Advance();
    } else if (AtKeyword("PREVIOUS")) {
      fill.kind = FillOption::Kind::kPrevious;
      Advance();
    } else if (AtKeyword("LINEAR")) {
      fill.kind = FillOption::Kind::kLinear;
      Advance();
    } else {
      bool negative = false;
      if (At(TokenKind::kMinus)) {
        negative = true;
        Advance();
        if (!At(TokenKind::kNumber)) return Expected("number");
      }
      if (!At(TokenKind::kNumber)) return Expected("null, none, previous, linear or a number");
      fill.kind = FillOption::Kind::kValue;
      fill.value = negative ? -cur_.number : cur_.number;
      fill.value_is_integer = cur_.is_integer;
      fill.int_value = negative ? -cur_.integer : cur_.integer;
      Advance();
    }
    select->fill_given = true;
    return ExpectToken(TokenKind::kRightParen, "')'");
  }

  // show := SHOW METRICS | SHOW LABEL KEYS [FROM m]
  //       | SHOW LABEL VALUES [FROM m] WITH KEY '=' ident
  //       | SHOW FIELD KEYS [FROM m] | SHOW SERIES [FROM m] [WHERE cond]
  absl::StatusOr<ShowStatement> ParseShow() {
    ShowStatement show;
    show.pos = cur_.pos;
    Advance();
    std::vector<std::string> next;
    if (AtKeyword("METRICS")) {
      show.kind = ShowStatement::Kind::kMetrics;
      Advance();
    } else if (AtKeyword("LABEL")) {
      Advance();
      if (AtKeyword("KEYS")) {
        show.kind = ShowStatement::Kind::kLabelKeys;
        Advance();
        VARVE_RETURN_IF_ERROR(ParseOptionalFrom(&show, &next));
      } else if (AtKeyword("VALUES")) {
        show.kind = ShowStatement::Kind::kLabelValues;
        Advance();
        VARVE_RETURN_IF_ERROR(ParseOptionalFrom(&show, &next));
        if (!AtKeyword("WITH")) return Expected(show.metric.empty() ? "FROM or WITH" : "WITH");
        Advance();
        VARVE_RETURN_IF_ERROR(ExpectKeyword("KEY"));
        VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kEq, "'='"));
        VARVE_ASSIGN_OR_RETURN(show.key, ParseIdentifier("label name"));
        next.clear();
      } else {
        return Expected("KEYS or VALUES");
      }
    } else if (AtKeyword("FIELD")) {
      Advance();
      VARVE_RETURN_IF_ERROR(ExpectKeyword("KEYS"));
      show.kind = ShowStatement::Kind::kFieldKeys;
      VARVE_RETURN_IF_ERROR(ParseOptionalFrom(&show, &next));
    } else if (AtKeyword("SERIES")) {
      show.kind = ShowStatement::Kind::kSeries;
      Advance();
      VARVE_RETURN_IF_ERROR(ParseOptionalFrom(&show, &next));
      next.push_back("WHERE");
      if (AtKeyword("WHERE")) {
        Advance();
        VARVE_ASSIGN_OR_RETURN(show.where, ParseCondition());
        next = {"AND", "OR"};
      }
    } else {
      return Expected("METRICS, LABEL KEYS, LABEL VALUES, FIELD KEYS or SERIES");
    }
    VARVE_RETURN_IF_ERROR(ExpectStatementEnd(std::move(next)));
    return show;
  }

  // [FROM metric]; `next` is left listing FROM when it was not given.
  absl::Status ParseOptionalFrom(ShowStatement* show, std::vector<std::string>* next) {
    next->clear();
    if (!AtKeyword("FROM")) {
      next->push_back("FROM");
      return absl::OkStatus();
    }
    Advance();
    VARVE_ASSIGN_OR_RETURN(show->metric, ParseIdentifier("metric name"));
    return absl::OkStatus();
  }

  // ---- Select expressions ----

  static ExprPtr MakeExpr(Expr::Kind kind, size_t pos) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->pos = pos;
    return expr;
  }

  static ExprPtr MakeBinary(char op, ExprPtr lhs, ExprPtr rhs) {
    ExprPtr expr = MakeExpr(Expr::Kind::kBinary, lhs->pos);
    expr->op = op;
    expr->args.push_back(std::move(lhs));
    expr->args.push_back(std::move(rhs));
    return expr;
  }

  // expr := term (('+' | '-') term)*
  absl::StatusOr<ExprPtr> ParseExpr() {
    VARVE_ASSIGN_OR_RETURN(ExprPtr lhs, ParseTerm());
    while (At(TokenKind::kPlus) || At(TokenKind::kMinus)) {
      const char op = At(TokenKind::kPlus) ? '+' : '-';
      VARVE_RETURN_IF_ERROR(CountOperator(cur_.pos));
      Advance();
      VARVE_ASSIGN_OR_RETURN(ExprPtr rhs, ParseTerm());
      lhs = MakeBinary(op, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  // term := factor (('*' | '/') factor)*
  absl::StatusOr<ExprPtr> ParseTerm() {
    VARVE_ASSIGN_OR_RETURN(ExprPtr lhs, ParseFactor());
    while (At(TokenKind::kStar) || At(TokenKind::kSlash)) {
      const char op = At(TokenKind::kStar) ? '*' : '/';
      VARVE_RETURN_IF_ERROR(CountOperator(cur_.pos));
      Advance();
      VARVE_ASSIGN_OR_RETURN(ExprPtr rhs, ParseFactor());
      lhs = MakeBinary(op, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  // factor := '-' factor | number | string | TRUE | FALSE | duration
  //         | ident | call | '(' expr ')'
  absl::StatusOr<ExprPtr> ParseFactor() {
    const size_t pos = cur_.pos;
    switch (cur_.kind) {
      case TokenKind::kMinus: {
        NestingGuard guard(&nesting_);
        VARVE_RETURN_IF_ERROR(CheckNesting());
        Advance();
        ExprPtr negate = MakeExpr(Expr::Kind::kNegate, pos);
        VARVE_ASSIGN_OR_RETURN(ExprPtr operand, ParseFactor());
        negate->args.push_back(std::move(operand));
        return negate;
      }
      case TokenKind::kLeftParen: {
        NestingGuard guard(&nesting_);
        VARVE_RETURN_IF_ERROR(CheckNesting());
        Advance();
        VARVE_ASSIGN_OR_RETURN(ExprPtr inner, ParseExpr());
        VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kRightParen, "')'"));
        return inner;
      }
      case TokenKind::kNumber: {
        ExprPtr number = MakeExpr(Expr::Kind::kNumber, pos);
        number->number = cur_.number;
        number->integer = cur_.integer;
        number->is_integer = cur_.is_integer;
        Advance();
        return number;
      }
      case TokenKind::kString: {
        ExprPtr string = MakeExpr(Expr::Kind::kString, pos);
        string->text = cur_.value;
        Advance();
        return string;
      }
      case TokenKind::kDuration: {
        ExprPtr duration = MakeExpr(Expr::Kind::kDuration, pos);
        duration->duration_ns = cur_.duration_ns;
        Advance();
        return duration;
      }
      case TokenKind::kIdentifier:
        if (AtKeyword("TRUE") || AtKeyword("FALSE")) {
          ExprPtr boolean = MakeExpr(Expr::Kind::kBool, pos);
          boolean->boolean = AtKeyword("TRUE");
          Advance();
          return boolean;
        }
        if (IsReservedWord(cur_.text)) return Expected("expression");
        if (AtKeyword("TIME")) {
          return ErrorAtPos(pos, "time cannot be selected; it is always the first column");
        }
        return ParseNameOrCall();
      case TokenKind::kQuotedIdentifier:
        return ParseNameOrCall();
      default:
        return Expected("expression");
    }
  }

  // ident | call := ident '(' [arg (',' arg)*] ')', arg := '*' | expr
  absl::StatusOr<ExprPtr> ParseNameOrCall() {
    const size_t pos = cur_.pos;
    const bool is_call = Peek().kind == TokenKind::kLeftParen;
    VARVE_ASSIGN_OR_RETURN(std::string name, ParseIdentifier("expression"));
    if (!is_call) {
      ExprPtr identifier = MakeExpr(Expr::Kind::kIdentifier, pos);
      identifier->name = std::move(name);
      return identifier;
    }
    ExprPtr call = MakeExpr(Expr::Kind::kCall, pos);
    call->name = ToLowerAscii(name);
    NestingGuard guard(&nesting_);
    VARVE_RETURN_IF_ERROR(CheckNesting());
    Advance();  // '('
    if (At(TokenKind::kRightParen)) {
      Advance();
      return call;
    }
    while (true) {
      if (At(TokenKind::kStar)) {
        call->args.push_back(MakeExpr(Expr::Kind::kStar, cur_.pos));
        Advance();
      } else {
        VARVE_ASSIGN_OR_RETURN(ExprPtr arg, ParseExpr());
        call->args.push_back(std::move(arg));
      }
      if (At(TokenKind::kRightParen)) break;
      if (!At(TokenKind::kComma)) return Expected("',' or ')'");
      Advance();
    }
    Advance();  // ')'
    return call;
  }

  // ---- WHERE conditions ----

  static CondPtr MakeCond(Cond::Kind kind, size_t pos) {
    auto cond = std::make_unique<Cond>();
    cond->kind = kind;
    cond->pos = pos;
    return cond;
  }

  // A chain `a OR b OR c` becomes one node with three children rather than
  // a tree as deep as the chain, so that the stages that walk conditions
  // recursively never go deeper than the nesting of parentheses and NOT.
  static CondPtr MakeJunction(Cond::Kind kind, CondPtr lhs, CondPtr rhs) {
    if (lhs->kind == kind) {
      lhs->children.push_back(std::move(rhs));
      return lhs;
    }
    CondPtr cond = MakeCond(kind, lhs->pos);
    cond->children.push_back(std::move(lhs));
    cond->children.push_back(std::move(rhs));
    return cond;
  }

  // cond := and_cond (OR and_cond)*
  absl::StatusOr<CondPtr> ParseCondition() {
    VARVE_ASSIGN_OR_RETURN(CondPtr lhs, ParseAnd());
    while (AtKeyword("OR")) {
      VARVE_RETURN_IF_ERROR(CountOperator(cur_.pos));
      Advance();
      VARVE_ASSIGN_OR_RETURN(CondPtr rhs, ParseAnd());
      lhs = MakeJunction(Cond::Kind::kOr, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  // and_cond := not_cond (AND not_cond)*
  absl::StatusOr<CondPtr> ParseAnd() {
    VARVE_ASSIGN_OR_RETURN(CondPtr lhs, ParseNot());
    while (AtKeyword("AND")) {
      VARVE_RETURN_IF_ERROR(CountOperator(cur_.pos));
      Advance();
      VARVE_ASSIGN_OR_RETURN(CondPtr rhs, ParseNot());
      lhs = MakeJunction(Cond::Kind::kAnd, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  // not_cond := NOT not_cond | '(' cond ')' | comparison
  absl::StatusOr<CondPtr> ParseNot() {
    const size_t pos = cur_.pos;
    if (AtKeyword("NOT")) {
      NestingGuard guard(&nesting_);
      VARVE_RETURN_IF_ERROR(CheckNesting());
      Advance();
      CondPtr negation = MakeCond(Cond::Kind::kNot, pos);
      VARVE_ASSIGN_OR_RETURN(CondPtr operand, ParseNot());
      negation->children.push_back(std::move(operand));
      return negation;
    }
    if (At(TokenKind::kLeftParen)) {
      NestingGuard guard(&nesting_);
      VARVE_RETURN_IF_ERROR(CheckNesting());
      Advance();
      VARVE_ASSIGN_OR_RETURN(CondPtr inner, ParseCondition());
      VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kRightParen, "AND, OR or ')'"));
      return inner;
    }
    return ParseComparison();
  }

  // The comparison operator at the current token, if it is one.
  std::optional<CompareOp> CurrentCompareOp() const {
    switch (cur_.kind) {
      case TokenKind::kEq: return CompareOp::kEq;
      case TokenKind::kNe: return CompareOp::kNe;
      case TokenKind::kLt: return CompareOp::kLt;
      case TokenKind::kLe: return CompareOp::kLe;
      case TokenKind::kGt: return CompareOp::kGt;
      case TokenKind::kGe: return CompareOp::kGe;
      case TokenKind::kRegexMatch: return CompareOp::kRegexMatch;
      case TokenKind::kRegexNoMatch: return CompareOp::kRegexNoMatch;
      default: return std::nullopt;
    }
  }

  // comparison := TIME op time_value | ident op value
  absl::StatusOr<CondPtr> ParseComparison() {
    const size_t pos = cur_.pos;
    if (AtKeyword("TIME")) {
      Advance();
      const std::optional<CompareOp> op = CurrentCompareOp();
      if (!op.has_value() || *op == CompareOp::kRegexMatch || *op == CompareOp::kRegexNoMatch) {
        return Expected("=, !=, <>, <, <=, > or >= after time");
      }
      Advance();
      CondPtr cond = MakeCond(Cond::Kind::kTime, pos);
      cond->op = *op;
      VARVE_ASSIGN_OR_RETURN(cond->when, ParseTimeValue());
      return cond;
    }
    CondPtr cond = MakeCond(Cond::Kind::kCompare, pos);
    VARVE_ASSIGN_OR_RETURN(cond->name, ParseIdentifier("condition"));
    const std::optional<CompareOp> op = CurrentCompareOp();
    if (!op.has_value()) return Expected("=, !=, <>, <, <=, >, >=, =~ or !~");
    cond->op = *op;
    const bool regex_op = *op == CompareOp::kRegexMatch || *op == CompareOp::kRegexNoMatch;
    const std::string op_text(cur_.text);
    Advance();
    if (regex_op) {
      if (!At(TokenKind::kSlash)) return Expected("regex after " + op_text);
      const Token regex = LexRegex(text_, cur_.pos);
      if (regex.kind == TokenKind::kError) return ErrorAtPos(regex.pos, regex.error);
      cond->value = Cond::Regex{regex.value};
      prev_end_ = regex.end;
      cur_ = Lex(text_, regex.end);
      return cond;
    }
    if (At(TokenKind::kSlash)) {
      return ErrorAtPos(cur_.pos, "a regex can only follow =~ or !~");
    }
    if (At(TokenKind::kString)) {
      cond->value = cur_.value;
    } else if (AtKeyword("TRUE") || AtKeyword("FALSE")) {
      cond->value = AtKeyword("TRUE");
    } else {
      bool negative = false;
      if (At(TokenKind::kMinus)) {
        negative = true;
        Advance();
        if (!At(TokenKind::kNumber)) return Expected("number");
      }
      if (!At(TokenKind::kNumber)) return Expected("string, number, true or false");
      if (cur_.is_integer) {
        cond->value = negative ? -cur_.integer : cur_.integer;
      } else {
        cond->value = negative ? -cur_.number : cur_.number;
      }
    }
    Advance();
    return cond;
  }

  // time_value := (string | ['-'] integer | NOW '(' ')') (('+' | '-') duration)*
  absl::StatusOr<TimeExpr> ParseTimeValue() {
    constexpr std::string_view kWhat = "RFC 3339 string, integer nanoseconds or now()";
    TimeExpr when;
    when.pos = cur_.pos;
    if (At(TokenKind::kString)) {
      absl::StatusOr<int64_t> nanos = ndjson::ParseRfc3339Nanos(cur_.value);
      if (!nanos.ok()) {
        return ErrorAtPos(cur_.pos, "invalid time " + Shown(cur_.text) + ": " +
                                        std::string(nanos.status().message()));
      }
      when.base = TimeExpr::Base::kNanos;
      when.nanos = *nanos;
      Advance();
    } else if (AtKeyword("NOW")) {
      Advance();
      VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kLeftParen, "'('"));
      VARVE_RETURN_IF_ERROR(ExpectToken(TokenKind::kRightParen, "')'"));
      when.base = TimeExpr::Base::kNow;
      when.nanos = now_ns_;
    } else {
      bool negative = false;
      if (At(TokenKind::kMinus)) {
        negative = true;
        Advance();
      }
      if (!At(TokenKind::kNumber) || !cur_.is_integer) return Expected(kWhat);
      when.base = TimeExpr::Base::kNanos;
      when.nanos = negative ? -cur_.integer : cur_.integer;
      Advance();
    }
    while (At(TokenKind::kPlus) || At(TokenKind::kMinus)) {
      const bool minus = At(TokenKind::kMinus);
      Advance();
      if (!At(TokenKind::kDuration)) return Expected("duration");
      int64_t sum = 0;
      const bool overflow = minus ? __builtin_sub_overflow(when.offset, cur_.duration_ns, &sum)
                                  : __builtin_add_overflow(when.offset, cur_.duration_ns, &sum);
      if (overflow) return ErrorAtPos(cur_.pos, "time offset out of range");
      when.offset = sum;
      Advance();
    }
    return when;
  }

  std::string_view text_;
  int64_t now_ns_;
  Token cur_;
  size_t prev_end_ = 0;  // where the token before cur_ ended
  int nesting_ = 0;
  int operators_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<Statement>> ParseStatements(std::string_view text, int64_t now_ns) {
  return Parser(text, now_ns).ParseStatements(/*only_one=*/false);
}

absl::StatusOr<Statement> ParseStatement(std::string_view text, int64_t now_ns) {
  VARVE_ASSIGN_OR_RETURN(std::vector<Statement> statements,
                         Parser(text, now_ns).ParseStatements(/*only_one=*/true));
  return std::move(statements.front());
}

std::string ErrorAt(std::string_view text, size_t pos, std::string_view message) {
  pos = std::min(pos, text.size());
  const size_t line_start = [&] {
    const size_t newline = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    return (pos == 0 || newline == std::string_view::npos) ? 0 : newline + 1;
  }();
  size_t line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = text.size();
  std::string_view line = text.substr(line_start, line_end - line_start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t line_number =
      1 + static_cast<size_t>(std::count(text.begin(), text.begin() + line_start, '\n'));
  const size_t column = pos - line_start + 1;

  std::string out = "line " + std::to_string(line_number) + ", column " +
                    std::to_string(column) + ": " + std::string(message) + "\n  " +
                    std::string(line) + "\n  ";
  // The caret lines up under the spot in a terminal: tabs copied, one space
  // per character (not per byte of a UTF-8 sequence).
  for (size_t i = line_start; i < pos && i - line_start < line.size(); ++i) {
    const char c = text[i];
    if (c == '\t') {
      out += '\t';
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      out += ' ';
    }
  }
  out += '^';
  return out;
}

}  // namespace varve::query
