#include "query/condition.h"

#include <algorithm>

#include "re2/re2.h"
#include "util/absl_compat.h"

namespace varve::query {
namespace {

using Node = Condition::Node;
using Op = Condition::Op;

Truth FromBool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

Truth Not(Truth t) {
  if (t == Truth::kUnknown) return t;
  return t == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

template <typename T>
Truth Compare(const T& a, Op op, const T& b) {
  switch (op) {
    case Op::kEq: return FromBool(a == b);
    case Op::kNe: return FromBool(a != b);
    case Op::kLt: return FromBool(a < b);
    case Op::kLe: return FromBool(a <= b);
    case Op::kGt: return FromBool(a > b);
    case Op::kGe: return FromBool(a >= b);
    default: return Truth::kUnknown;
  }
}

Truth CompareString(std::string_view value, const Node& node) {
  if (node.op == Op::kMatch || node.op == Op::kNoMatch) {
    const bool hit = RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *node.regex);
    return FromBool(node.op == Op::kMatch ? hit : !hit);
  }
  const std::string* text = std::get_if<std::string>(&node.value);
  if (text == nullptr) return Truth::kUnknown;
  return Compare(value, node.op, std::string_view(*text));
}

std::string_view LabelValue(const Labels& labels, const std::string& name) {
  for (const Label& l : labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

Truth CompareField(const segments::SealColumn& c, int32_t i, const Node& node) {
  switch (c.type) {
    case FieldType::kString: return CompareString(c.strings[i], node);
    case FieldType::kBool: {
      const bool* b = std::get_if<bool>(&node.value);
      if (b == nullptr || (node.op != Op::kEq && node.op != Op::kNe)) return Truth::kUnknown;
      return Compare(static_cast<bool>(c.bools[i]), node.op, *b);
    }
    case FieldType::kInt: {
      if (const int64_t* n = std::get_if<int64_t>(&node.value)) {
        return Compare(c.ints[i], node.op, *n);
      }
      if (const double* d = std::get_if<double>(&node.value)) {
        return Compare(static_cast<double>(c.ints[i]), node.op, *d);
      }
      return Truth::kUnknown;
    }
    case FieldType::kFloat: {
      if (const double* d = std::get_if<double>(&node.value)) {
        return Compare(c.floats[i], node.op, *d);
      }
      if (const int64_t* n = std::get_if<int64_t>(&node.value)) {
        return Compare(c.floats[i], node.op, static_cast<double>(*n));
      }
      return Truth::kUnknown;
    }
  }
  return Truth::kUnknown;
}

// Kleene logic over the children, each evaluated by `leaf`.
template <typename Leaf>
Truth Eval(const Node& node, const Leaf& leaf) {
  switch (node.kind) {
    case Node::Kind::kAnd: {
      Truth out = Truth::kTrue;
      for (const Node& c : node.children) {
        const Truth t = Eval(c, leaf);
        if (t == Truth::kFalse) return t;
        if (t == Truth::kUnknown) out = t;
      }
      return out;
    }
    case Node::Kind::kOr: {
      Truth out = Truth::kFalse;
      for (const Node& c : node.children) {
        const Truth t = Eval(c, leaf);
        if (t == Truth::kTrue) return t;
        if (t == Truth::kUnknown) out = t;
      }
      return out;
    }
    case Node::Kind::kNot: return Not(Eval(node.children.front(), leaf));
    default: return leaf(node);
  }
}

bool HasFields(const Node& node) {
  if (node.kind == Node::Kind::kField) return true;
  return std::any_of(node.children.begin(), node.children.end(), HasFields);
}

}  // namespace

void DenseColumn::Build(const segments::SealColumn* c, size_t rows) {
  column = c;
  every_row_ = false;
  if (c == nullptr) {
    at_.assign(rows, -1);
    return;
  }
  const size_t values = c->value_count();
  if (values == rows && c->present.size() == rows) {
    every_row_ = true;
    return;
  }
  at_.assign(rows, -1);
  int32_t next = 0;
  for (size_t r = 0; r < rows && r < c->present.size(); ++r) {
    if (c->present[r]) at_[r] = next++;
  }
}

namespace {

// Whether some value in [lo, hi] can satisfy `op v`. The bounds and `v` are
// converted as CompareField converts a row's value and the literal, so a
// block is ruled out only where every row would be (the conversions keep
// order, so the converted bounds still bound the converted values).
template <typename T>
bool RangeMay(T lo, T hi, Op op, T v) {
  switch (op) {
    case Op::kEq: return lo <= v && v <= hi;
    case Op::kNe: return !(lo == v && hi == v);
    case Op::kLt: return lo < v;
    case Op::kLe: return lo <= v;
    case Op::kGt: return hi > v;
    case Op::kGe: return hi >= v;
    default: return true;
  }
}

bool Possible(const Node& node, const Labels& labels,
              const std::vector<const FieldZone*>& zones) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const Node& c) { return Possible(c, labels, zones); });
    case Node::Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const Node& c) { return Possible(c, labels, zones); });
    case Node::Kind::kNot: return true;  // zone maps say little about negations
    case Node::Kind::kLabel:
      return CompareString(LabelValue(labels, node.label), node) == Truth::kTrue;
    case Node::Kind::kField: break;
  }
  const FieldZone* z = zones[node.field];
  // No value in the block: every comparison with it is unknown, never true.
  if (z == nullptr || z->zone.count == 0) return false;
  const double* d = std::get_if<double>(&node.value);
  const int64_t* n = std::get_if<int64_t>(&node.value);
  if (d == nullptr && n == nullptr) return true;  // strings and bools: no bounds
  if (z->type == FieldType::kInt) {
    if (n != nullptr) return RangeMay<int64_t>(z->zone.int_min, z->zone.int_max, node.op, *n);
    return RangeMay<double>(static_cast<double>(z->zone.int_min),
                            static_cast<double>(z->zone.int_max), node.op, *d);
  }
  if (z->type == FieldType::kFloat) {
    return RangeMay<double>(z->zone.float_min, z->zone.float_max, node.op,
                            d != nullptr ? *d : static_cast<double>(*n));
  }
  return false;  // a number against bools or strings is never true
}

}  // namespace

bool Condition::MayHold(const Labels& labels, const std::vector<const FieldZone*>& zones) const {
  if (empty_) return true;
  return Possible(root_, labels, zones);
}

bool Condition::has_fields() const { return !empty_ && HasFields(root_); }

Truth Condition::ForSeries(const Labels& labels) const {
  if (empty_) return Truth::kTrue;
  return Eval(root_, [&](const Node& leaf) {
    if (leaf.kind == Node::Kind::kField) return Truth::kUnknown;
    return CompareString(LabelValue(labels, leaf.label), leaf);
  });
}

Truth Condition::ForRow(const Labels& labels, const std::vector<DenseColumn>& columns,
                        size_t row) const {
  if (empty_) return Truth::kTrue;
  return Eval(root_, [&](const Node& leaf) {
    if (leaf.kind == Node::Kind::kLabel) return CompareString(LabelValue(labels, leaf.label), leaf);
    const DenseColumn& d = columns[leaf.field];
    if (d.column == nullptr) return Truth::kUnknown;
    const int32_t i = d.at(row);
    if (i < 0) return Truth::kUnknown;
    return CompareField(*d.column, i, leaf);
  });
}

}  // namespace varve::query
