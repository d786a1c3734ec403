#include "varve/record.h"

namespace varve {

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kFloat: return "float";
    case FieldType::kInt: return "integer";
    case FieldType::kBool: return "boolean";
    case FieldType::kString: return "string";
  }
  return "unknown";
}

FieldType TypeOf(const FieldValue& value) {
  switch (value.index()) {
    case 0: return FieldType::kFloat;
    case 1: return FieldType::kInt;
    case 2: return FieldType::kBool;
    default: return FieldType::kString;
  }
}

}  // namespace varve
