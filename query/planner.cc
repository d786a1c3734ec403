// SelectStatement -> SelectPlan: names resolved against the metric's labels
// and fields, time bounds taken out of WHERE, simple label conditions
// pushed down to the series index, select expressions compiled.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "query/parser.h"
#include "query/plan.h"
#include "re2/re2.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace varve::query {
namespace {

struct FuncInfo {
  const char* name;
  Func func;
  bool numeric;   // needs a numeric field
  bool summary;   // can be answered from zone maps
};

constexpr FuncInfo kFuncs[] = {
    {"count", Func::kCount, false, true},
    {"sum", Func::kSum, true, true},
    {"min", Func::kMin, true, true},
    {"max", Func::kMax, true, true},
    {"mean", Func::kMean, true, true},
    {"avg", Func::kMean, true, true},
    {"first", Func::kFirst, false, false},
    {"last", Func::kLast, false, false},
    {"spread", Func::kSpread, true, true},
    {"stddev", Func::kStddev, true, false},
    {"median", Func::kMedian, true, false},
    {"percentile", Func::kPercentile, true, false},
    {"rate", Func::kRate, true, false},
    {"non_negative_derivative", Func::kNonNegativeDerivative, true, false},
};

const FuncInfo* FindFunc(const std::string& name) {
  for (const FuncInfo& f : kFuncs) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

class Planner {
 public:
  Planner(const SelectStatement& statement, std::string_view text, DataSource* source)
      : stmt_(statement), text_(text), source_(source) {}

  absl::StatusOr<SelectPlan> Plan();

 private:
  absl::Status Error(size_t pos, std::string_view message) const {
    return absl::InvalidArgumentError(ErrorAt(text_, pos, message));
  }
  bool IsLabel(const std::string& name) const { return labels_.count(name) > 0; }
  bool IsField(const std::string& name) const { return fields_.count(name) > 0; }
  bool IsNumericField(const std::string& name) const {
    auto it = fields_.find(name);
    if (it == fields_.end()) return false;
    return it->second.count(FieldType::kFloat) > 0 || it->second.count(FieldType::kInt) > 0;
  }
  size_t FieldIndex(const std::string& name) {
    auto it = std::find(plan_.fields.begin(), plan_.fields.end(), name);
    if (it != plan_.fields.end()) return static_cast<size_t>(it - plan_.fields.begin());
    plan_.fields.push_back(name);
    return plan_.fields.size() - 1;
  }

  absl::Status TakeTime(const Cond& cond);
  absl::Status SplitWhere(const Cond& cond, std::vector<const Cond*>* rest);
  absl::StatusOr<Condition::Node> Compile(const Cond& cond);
  absl::StatusOr<ValueExpr> CompileAggregate(const Expr& expr);
  absl::StatusOr<ValueExpr> CompileRaw(const Expr& expr, bool* uses_field);
  absl::StatusOr<ValueExpr> CompileConstant(const Expr& expr);
  absl::StatusOr<Call> CompileCall(const Expr& call, const FuncInfo& info,
                                   const std::string& field);
  absl::Status CompileSelect();
  // Registers an aggregate call; the expression that reads its result.
  ValueExpr AddCall(const Call& call, const FuncInfo* info) {
    ValueExpr v;
    v.kind = ValueExpr::Kind::kCall;
    v.index = plan_.calls.size();
    plan_.calls.push_back(call);
    call_infos_.push_back(info);
    return v;
  }
  // A binary or negation node whose operands `compile_operand` compiles.
  template <typename CompileOperand>
  absl::StatusOr<ValueExpr> CompileOperator(const Expr& expr,
                                            const CompileOperand& compile_operand) {
    ValueExpr v;
    v.kind = expr.kind == Expr::Kind::kBinary ? ValueExpr::Kind::kBinary
                                              : ValueExpr::Kind::kNegate;
    v.op = expr.op;
    for (const ExprPtr& a : expr.args) {
      VARVE_ASSIGN_OR_RETURN(ValueExpr arg, compile_operand(*a));
      v.args.push_back(std::move(arg));
    }
    return v;
  }

  const SelectStatement& stmt_;
  std::string_view text_;
  DataSource* source_;
  SelectPlan plan_;
  std::set<std::string> labels_;
  std::map<std::string, std::set<FieldType>> fields_;
  std::vector<const FuncInfo*> call_infos_;
};

bool ContainsCall(const Expr& e) {
  if (e.kind == Expr::Kind::kCall) return true;
  return std::any_of(e.args.begin(), e.args.end(),
                     [](const ExprPtr& a) { return ContainsCall(*a); });
}

// The first identifier outside any call, for the error on mixing.
const Expr* BareIdentifier(const Expr& e) {
  if (e.kind == Expr::Kind::kIdentifier || e.kind == Expr::Kind::kStar) return &e;
  if (e.kind == Expr::Kind::kCall) return nullptr;
  for (const ExprPtr& a : e.args) {
    if (const Expr* found = BareIdentifier(*a)) return found;
  }
  return nullptr;
}


}  // namespace

absl::Status Planner::TakeTime(const Cond& cond) {
  int64_t t = cond.when.nanos;
  if (__builtin_add_overflow(t, cond.when.offset, &t)) {
    return Error(cond.when.pos, "time is out of range");
  }
  const auto raise_from = [&](int64_t from) {
    plan_.from = std::max(plan_.from, from);
    plan_.from_given = true;
  };
  const auto lower_to = [&](int64_t to) {
    plan_.to = std::min(plan_.to, to);
    plan_.to_given = true;
  };
  const int64_t next = t == INT64_MAX ? t : t + 1;
  switch (cond.op) {
    case CompareOp::kGe: raise_from(t); break;
    case CompareOp::kGt: raise_from(next); break;
    case CompareOp::kLt: lower_to(t); break;
    case CompareOp::kLe: lower_to(next); break;
    case CompareOp::kEq:
      raise_from(t);
      lower_to(next);
      break;
    default:
      return Error(cond.pos, "time can be compared with =, <, <=, > and >= only");
  }
  return absl::OkStatus();
}

absl::Status Planner::SplitWhere(const Cond& cond, std::vector<const Cond*>* rest) {
  if (cond.kind == Cond::Kind::kAnd) {
    for (const CondPtr& c : cond.children) VARVE_RETURN_IF_ERROR(SplitWhere(*c, rest));
    return absl::OkStatus();
  }
  if (cond.kind == Cond::Kind::kTime) return TakeTime(cond);
  rest->push_back(&cond);
  return absl::OkStatus();
}

absl::StatusOr<Condition::Node> Planner::Compile(const Cond& cond) {
  Condition::Node node;
  switch (cond.kind) {
    case Cond::Kind::kTime:
      return Error(cond.pos,
                   "time conditions must stand at the top level of WHERE, joined by AND");
    case Cond::Kind::kAnd:
    case Cond::Kind::kOr:
    case Cond::Kind::kNot:
      node.kind = cond.kind == Cond::Kind::kAnd   ? Condition::Node::Kind::kAnd
                  : cond.kind == Cond::Kind::kOr ? Condition::Node::Kind::kOr
                                                 : Condition::Node::Kind::kNot;
      for (const CondPtr& c : cond.children) {
        VARVE_ASSIGN_OR_RETURN(Condition::Node child, Compile(*c));
        node.children.push_back(std::move(child));
      }
      return node;
    case Cond::Kind::kCompare: break;
  }
  node.op = ToConditionOp(cond.op);
  const bool regex = std::holds_alternative<Cond::Regex>(cond.value);
  const bool text = std::holds_alternative<std::string>(cond.value);
  if (regex) {
    auto re = std::make_shared<RE2>(std::get<Cond::Regex>(cond.value).pattern,
                                    RE2::Quiet);
    if (!re->ok()) {
      return Error(cond.pos, absl::StrCat("bad regular expression: ", re->error()));
    }
    node.regex = std::move(re);
  }
  if (IsLabel(cond.name) || (!IsField(cond.name) && (regex || text))) {
    if (!regex && !text) {
      return Error(cond.pos, absl::StrCat("label '", cond.name,
                                          "' is compared with a non-string; quote the value"));
    }
    node.kind = Condition::Node::Kind::kLabel;
    node.label = cond.name;
    if (text) node.value = std::get<std::string>(cond.value);
    return node;
  }
  if (!IsField(cond.name)) {
    return Error(cond.pos, absl::StrCat("'", cond.name, "' is neither a label nor a field of '",
                                        plan_.metric, "'"));
  }
  node.kind = Condition::Node::Kind::kField;
  node.field = FieldIndex(cond.name);
  if (const bool* b = std::get_if<bool>(&cond.value)) {
    if (node.op != Condition::Op::kEq && node.op != Condition::Op::kNe) {
      return Error(cond.pos, "a boolean can be compared with = and != only");
    }
    node.value = *b;
  } else if (const double* d = std::get_if<double>(&cond.value)) {
    node.value = *d;
  } else if (const int64_t* n = std::get_if<int64_t>(&cond.value)) {
    node.value = *n;
  } else if (text) {
    node.value = std::get<std::string>(cond.value);
  }
  return node;
}

absl::StatusOr<Call> Planner::CompileCall(const Expr& call, const FuncInfo& info,
                                          const std::string& field) {
  Call out;
  out.func = info.func;
  out.field = FieldIndex(field);
  const size_t want_min = info.func == Func::kPercentile ? 2 : 1;
  const size_t want_max =
      info.func == Func::kPercentile || info.func == Func::kRate ||
              info.func == Func::kNonNegativeDerivative
          ? 2
          : 1;
  if (call.args.size() < want_min || call.args.size() > want_max) {
    return Error(call.pos, absl::StrCat(info.name, "() takes ",
                                        want_min == want_max ? absl::StrCat(want_min)
                                                             : absl::StrCat(want_min, " or ",
                                                                            want_max),
                                        want_max == 1 ? " argument" : " arguments"));
  }
  if (info.func == Func::kPercentile) {
    const Expr& p = *call.args[1];
    if (p.kind != Expr::Kind::kNumber || p.number < 0 || p.number > 100) {
      return Error(p.pos, "percentile() needs a number from 0 to 100 as its second argument");
    }
    out.percentile = p.number;
  }
  if (call.args.size() == 2 && info.func != Func::kPercentile) {
    const Expr& unit = *call.args[1];
    if (unit.kind != Expr::Kind::kDuration || unit.duration_ns <= 0) {
      return Error(unit.pos, absl::StrCat(info.name, "() needs a positive duration as its unit"));
    }
    out.unit_ns = unit.duration_ns;
  }
  return out;
}

absl::StatusOr<ValueExpr> Planner::CompileConstant(const Expr& expr) {
  ValueExpr v;
  v.kind = ValueExpr::Kind::kConstant;
  switch (expr.kind) {
    case Expr::Kind::kNumber:
      if (expr.is_integer) {
        v.constant = expr.integer;
      } else {
        v.constant = expr.number;
      }
      return v;
    case Expr::Kind::kString: v.constant = expr.text; return v;
    case Expr::Kind::kBool: v.constant = expr.boolean; return v;
    case Expr::Kind::kDuration: v.constant = expr.duration_ns; return v;
    default: return Error(expr.pos, "expected a constant");
  }
}

absl::StatusOr<ValueExpr> Planner::CompileAggregate(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kCall: {
      const FuncInfo* info = FindFunc(expr.name);
      if (info == nullptr) {
        return Error(expr.pos, absl::StrCat("unknown function '", expr.name, "'"));
      }
      if (expr.args.empty()) {
        return Error(expr.pos, absl::StrCat(info->name, "() needs a field as its argument"));
      }
      const Expr& arg = *expr.args[0];
      if (arg.kind == Expr::Kind::kStar) {
        return Error(arg.pos, absl::StrCat(info->name,
                                           "(*) must stand alone as a select item"));
      }
      if (arg.kind == Expr::Kind::kCall) {
        return Error(arg.pos, "an aggregate cannot take another aggregate");
      }
      if (arg.kind != Expr::Kind::kIdentifier) {
        return Error(arg.pos, absl::StrCat(info->name, "() needs a field as its argument"));
      }
      if (!IsField(arg.name)) {
        return Error(arg.pos, absl::StrCat("'", arg.name, "' is not a field of '", plan_.metric,
                                           "'"));
      }
      if (info->numeric && !IsNumericField(arg.name)) {
        return Error(arg.pos, absl::StrCat(info->name, "() needs a numeric field; '", arg.name,
                                           "' holds no numbers"));
      }
      VARVE_ASSIGN_OR_RETURN(Call call, CompileCall(expr, *info, arg.name));
      return AddCall(call, info);
    }
    case Expr::Kind::kBinary:
    case Expr::Kind::kNegate:
      return CompileOperator(expr, [&](const Expr& a) { return CompileAggregate(a); });
    case Expr::Kind::kIdentifier:
    case Expr::Kind::kStar:
      return Error(expr.pos,
                   "cannot mix aggregates and raw fields in one SELECT; wrap the field in an "
                   "aggregate");
    default: return CompileConstant(expr);
  }
}

absl::StatusOr<ValueExpr> Planner::CompileRaw(const Expr& expr, bool* uses_field) {
  switch (expr.kind) {
    case Expr::Kind::kIdentifier: {
      ValueExpr v;
      if (IsLabel(expr.name)) {
        v.kind = ValueExpr::Kind::kLabel;
        auto it = std::find(plan_.label_names.begin(), plan_.label_names.end(), expr.name);
        v.index = static_cast<size_t>(it - plan_.label_names.begin());
        if (it == plan_.label_names.end()) plan_.label_names.push_back(expr.name);
        return v;
      }
      if (!IsField(expr.name)) {
        return Error(expr.pos, absl::StrCat("'", expr.name, "' is neither a label nor a field of '",
                                            plan_.metric, "'"));
      }
      *uses_field = true;
      v.kind = ValueExpr::Kind::kField;
      v.index = FieldIndex(expr.name);
      return v;
    }
    case Expr::Kind::kBinary:
    case Expr::Kind::kNegate:
      return CompileOperator(expr, [&](const Expr& a) { return CompileRaw(a, uses_field); });
    case Expr::Kind::kStar: return Error(expr.pos, "* must stand alone as a select item");
    default: return CompileConstant(expr);
  }
}

absl::Status Planner::CompileSelect() {
  bool aggregate = false;
  for (const SelectItem& item : stmt_.items) aggregate = aggregate || ContainsCall(*item.expr);
  plan_.aggregate = aggregate;
  std::vector<std::string> all_fields;
  for (const auto& [name, types] : fields_) all_fields.push_back(name);
  bool uses_field = false;
  for (const SelectItem& item : stmt_.items) {
    const Expr& e = *item.expr;
    if (aggregate) {
      if (const Expr* bare = BareIdentifier(e)) {
        return Error(bare->pos,
                     "cannot mix aggregates and raw fields in one SELECT; wrap the field in an "
                     "aggregate");
      }
      // f(*): the function over every field it applies to.
      if (e.kind == Expr::Kind::kCall && !e.args.empty() &&
          e.args[0]->kind == Expr::Kind::kStar) {
        const FuncInfo* info = FindFunc(e.name);
        if (info == nullptr) return Error(e.pos, absl::StrCat("unknown function '", e.name, "'"));
        if (item.alias.has_value()) {
          return Error(e.pos, absl::StrCat(info->name, "(*) makes several columns; it takes no "
                                                       "alias"));
        }
        for (const std::string& field : all_fields) {
          if (info->numeric && !IsNumericField(field)) continue;
          VARVE_ASSIGN_OR_RETURN(Call call, CompileCall(e, *info, field));
          plan_.values.push_back(AddCall(call, info));
          plan_.columns.push_back({absl::StrCat(e.name, "_", field), QueryColumn::Kind::kValue});
        }
        continue;
      }
      VARVE_ASSIGN_OR_RETURN(ValueExpr v, CompileAggregate(e));
      plan_.values.push_back(std::move(v));
    } else if (e.kind == Expr::Kind::kStar) {
      // Every label not grouped by, then every field, each sorted.
      for (const std::string& label : labels_) {
        if (std::find(plan_.group_labels.begin(), plan_.group_labels.end(), label) !=
            plan_.group_labels.end()) {
          continue;
        }
        bool unused = false;
        Expr id;
        id.kind = Expr::Kind::kIdentifier;
        id.name = label;
        VARVE_ASSIGN_OR_RETURN(ValueExpr v, CompileRaw(id, &unused));
        plan_.values.push_back(std::move(v));
        plan_.columns.push_back({label, QueryColumn::Kind::kValue});
      }
      for (const std::string& field : all_fields) {
        ValueExpr v;
        v.kind = ValueExpr::Kind::kField;
        v.index = FieldIndex(field);
        uses_field = true;
        plan_.values.push_back(std::move(v));
        plan_.columns.push_back({field, QueryColumn::Kind::kValue});
      }
      continue;
    } else {
      VARVE_ASSIGN_OR_RETURN(ValueExpr v, CompileRaw(e, &uses_field));
      plan_.values.push_back(std::move(v));
    }
    plan_.columns.push_back({item.alias.value_or(ExprToString(e)), QueryColumn::Kind::kValue});
  }
  if (!aggregate && !uses_field && !fields_.empty()) {
    return Error(stmt_.pos, "a SELECT must name at least one field");
  }
  return absl::OkStatus();
}

absl::StatusOr<SelectPlan> Planner::Plan() {
  plan_.metric = stmt_.metric;
  for (std::string& key : source_->LabelKeys(stmt_.metric)) labels_.insert(std::move(key));
  for (auto& [name, type] : source_->Fields(stmt_.metric)) fields_[name].insert(type);
  plan_.no_data = fields_.empty();

  plan_.columns.push_back({"time", QueryColumn::Kind::kTime});
  if (stmt_.group_all_labels) {
    plan_.group_all_labels = true;
    plan_.group_labels.assign(labels_.begin(), labels_.end());
  }
  for (const std::string& label : stmt_.group_labels) {
    if (std::find(plan_.group_labels.begin(), plan_.group_labels.end(), label) ==
        plan_.group_labels.end()) {
      plan_.group_labels.push_back(label);
    }
  }
  for (const std::string& label : plan_.group_labels) {
    plan_.columns.push_back({label, QueryColumn::Kind::kLabel});
  }

  // A metric the store has never seen: nothing to resolve names against,
  // and nothing to answer.
  if (plan_.no_data) {
    for (const SelectItem& item : stmt_.items) {
      if (item.expr->kind == Expr::Kind::kStar) continue;
      plan_.columns.push_back(
          {item.alias.value_or(ExprToString(*item.expr)), QueryColumn::Kind::kValue});
    }
    return std::move(plan_);
  }

  if (stmt_.where != nullptr) {
    std::vector<const Cond*> rest;
    VARVE_RETURN_IF_ERROR(SplitWhere(*stmt_.where, &rest));
    Condition::Node all;
    all.kind = Condition::Node::Kind::kAnd;
    for (const Cond* c : rest) {
      VARVE_ASSIGN_OR_RETURN(Condition::Node node, Compile(*c));
      // Plain label tests also narrow the series the index lists.
      if (node.kind == Condition::Node::Kind::kLabel && node.op != Condition::Op::kLt &&
          node.op != Condition::Op::kLe && node.op != Condition::Op::kGt &&
          node.op != Condition::Op::kGe) {
        LabelMatcher m;
        m.name = node.label;
        switch (node.op) {
          case Condition::Op::kEq: m.op = LabelMatcher::Op::kEqual; break;
          case Condition::Op::kNe: m.op = LabelMatcher::Op::kNotEqual; break;
          case Condition::Op::kMatch: m.op = LabelMatcher::Op::kRegexMatch; break;
          default: m.op = LabelMatcher::Op::kRegexNoMatch; break;
        }
        m.value = node.regex != nullptr ? std::get<Cond::Regex>(c->value).pattern
                                        : std::get<std::string>(node.value);
        plan_.matchers.push_back(std::move(m));
      }
      all.children.push_back(std::move(node));
    }
    if (!all.children.empty()) plan_.condition = Condition(std::move(all));
  }

  VARVE_RETURN_IF_ERROR(CompileSelect());

  if (stmt_.group_time.has_value()) {
    if (!plan_.aggregate) {
      return Error(stmt_.group_time_pos, "GROUP BY time() needs an aggregate in the SELECT");
    }
    plan_.bucket = stmt_.group_time;
    plan_.bucket_offset = stmt_.group_offset % *stmt_.group_time;
  } else if (stmt_.fill_given) {
    return Error(stmt_.pos, "FILL needs GROUP BY time()");
  }
  plan_.fill = stmt_.fill;
  plan_.descending = stmt_.order_desc;
  plan_.limit = stmt_.limit;
  plan_.offset = stmt_.offset;
  plan_.slimit = stmt_.slimit;
  plan_.soffset = stmt_.soffset;

  if (plan_.aggregate) {
    bool all_first = !plan_.calls.empty(), all_last = !plan_.calls.empty();
    bool summaries = true;
    for (size_t i = 0; i < plan_.calls.size(); ++i) {
      all_first = all_first && plan_.calls[i].func == Func::kFirst;
      all_last = all_last && plan_.calls[i].func == Func::kLast;
      summaries = summaries && call_infos_[i]->summary;
    }
    if (!plan_.bucket.has_value()) {
      if (all_first) plan_.row_time = SelectPlan::RowTime::kEarliestChosen;
      if (all_last) plan_.row_time = SelectPlan::RowTime::kLatestChosen;
      if (plan_.calls.size() == 1 && plan_.calls[0].func == Func::kMin) {
        plan_.row_time = SelectPlan::RowTime::kEarliestChosen;
      }
      if (plan_.calls.size() == 1 && plan_.calls[0].func == Func::kMax) {
        plan_.row_time = SelectPlan::RowTime::kEarliestChosen;
      }
    }
    plan_.summaries = summaries && plan_.row_time == SelectPlan::RowTime::kRangeStart;
  }
  return std::move(plan_);
}

Condition::Op ToConditionOp(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return Condition::Op::kEq;
    case CompareOp::kNe: return Condition::Op::kNe;
    case CompareOp::kLt: return Condition::Op::kLt;
    case CompareOp::kLe: return Condition::Op::kLe;
    case CompareOp::kGt: return Condition::Op::kGt;
    case CompareOp::kGe: return Condition::Op::kGe;
    case CompareOp::kRegexMatch: return Condition::Op::kMatch;
    case CompareOp::kRegexNoMatch: return Condition::Op::kNoMatch;
  }
  return Condition::Op::kEq;
}

absl::StatusOr<SelectPlan> PlanSelect(const SelectStatement& statement, std::string_view text,
                                      DataSource* source) {
  return Planner(statement, text, source).Plan();
}

}  // namespace varve::query
