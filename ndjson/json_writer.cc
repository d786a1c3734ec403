#include "ndjson/json_writer.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

namespace varve::ndjson {
namespace {

void AppendInt(int64_t value, std::string* out) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, result.ptr);
}

// Which bytes need an escape inside a JSON string: '"', '\\' and the
// control characters below 0x20. Everything else, UTF-8 included, is
// copied as is.
bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void AppendLabels(const Labels& labels, std::string* out) {
  out->append(",\"labels\":{");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendString(labels[i].name, out);
    out->push_back(':');
    AppendString(labels[i].value, out);
  }
  out->push_back('}');
}

// Writes the part every line starts with: {"metric":..,"labels":{..},"ts":
void AppendHead(const Record& record, std::string* out) {
  out->append("{\"metric\":");
  AppendString(record.metric, out);
  if (!record.labels.empty()) AppendLabels(record.labels, out);
  out->append(",\"ts\":");
}

// Equality of two field names, with fixed-size loads where they are short
// (they mostly are) instead of a call to memcmp.
bool SameName(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  auto load64 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (n >= 8 && n <= 16) {
    return load64(x) == load64(y) && load64(x + n - 8) == load64(y + n - 8);
  }
  return std::memcmp(x, y, n) == 0;
}

// The value of field `name` in `record`, or nullptr. `hint` is where the
// name was last found: records of one series usually list their fields in
// the same order, which makes this O(1) in the common case.
const FieldValue* FindField(const Record& record, std::string_view name,
                            size_t* hint) {
  const auto& fields = record.fields;
  if (*hint < fields.size() && SameName(fields[*hint].name, name)) {
    return &fields[*hint].value;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (SameName(fields[i].name, name)) {
      *hint = i;
      return &fields[i].value;
    }
  }
  return nullptr;
}

// Writes a double as AppendFloat() does, at p (room for 32 bytes); returns
// the end.
char* WriteFloat(double value, char* p) {
  char* const start = p;
  p = std::to_chars(p, p + 26, value).ptr;
  // "58" would read back as an integer: keep it a float. 'n' covers "nan"
  // and "inf", which must never reach here but should not grow a ".0".
  const size_t len = static_cast<size_t>(p - start);
  if (std::memchr(start, '.', len) == nullptr && std::memchr(start, 'e', len) == nullptr &&
      std::memchr(start, 'n', len) == nullptr) {
    *p++ = '.';
    *p++ = '0';
  }
  return p;
}

// Gathers the small pieces of a line in a stack buffer and appends them to
// the string in runs: an append per number cost more than formatting it.
class Pieces {
 public:
  explicit Pieces(std::string* out) : out_(out) {}
  ~Pieces() { Flush(); }
  Pieces(const Pieces&) = delete;
  Pieces& operator=(const Pieces&) = delete;

  void Char(char c) {
    MakeRoom();
    *p_++ = c;
  }
  void Literal(std::string_view text) {  // at most kMaxPiece bytes
    MakeRoom();
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  void Int(int64_t value) {
    MakeRoom();
    p_ = std::to_chars(p_, p_ + 24, value).ptr;
  }
  void Value(const FieldValue& value) {
    switch (value.index()) {
      case 0:
        MakeRoom();
        p_ = WriteFloat(std::get<double>(value), p_);
        break;
      case 1: Int(std::get<int64_t>(value)); break;
      case 2: Literal(std::get<bool>(value) ? "true" : "false"); break;
      default:
        Flush();
        AppendString(std::get<std::string>(value), out_);
        break;
    }
  }
  // Everything so far reaches the string, to be appended to directly.
  std::string* Flush() {
    out_->append(buf_, static_cast<size_t>(p_ - buf_));
    p_ = buf_;
    return out_;
  }

 private:
  static constexpr size_t kMaxPiece = 32;
  void MakeRoom() {
    if (static_cast<size_t>(buf_ + sizeof(buf_) - p_) < kMaxPiece) Flush();
  }

  std::string* const out_;
  char buf_[4096];
  char* p_ = buf_;
};

}  // namespace

void AppendFloat(double value, std::string* out) {
  // The shortest representation that reads back to the same double.
  char buf[32];
  out->append(buf, WriteFloat(value, buf));
}

void AppendString(std::string_view value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* run = value.data();
  const char* const end = value.data() + value.size();
  for (const char* p = run; p < end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (!NeedsEscape(c)) continue;
    out->append(run, p);
    run = p + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(escape, sizeof(escape));
      }
    }
  }
  out->append(run, end);
  out->push_back('"');
}

void AppendFieldValue(const FieldValue& value, std::string* out) {
  switch (value.index()) {
    case 0: AppendFloat(std::get<double>(value), out); break;
    case 1: AppendInt(std::get<int64_t>(value), out); break;
    case 2: out->append(std::get<bool>(value) ? "true" : "false"); break;
    default: AppendString(std::get<std::string>(value), out); break;
  }
}

void AppendRecordLine(const Record& record, std::string* out) {
  AppendHead(record, out);
  AppendInt(record.ts, out);
  out->append(",\"fields\":{");
  for (size_t i = 0; i < record.fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendString(record.fields[i].name, out);
    out->push_back(':');
    AppendFieldValue(record.fields[i].value, out);
  }
  out->append("}}\n");
}

void AppendSeriesLine(std::span<const Record* const> records, std::string* out) {
  if (records.empty()) return;
  if (records.size() == 1) {
    AppendRecordLine(*records[0], out);
    return;
  }
  AppendHead(*records[0], out);
  Pieces pieces(out);
  pieces.Char('[');
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) pieces.Char(',');
    pieces.Int(records[i]->ts);
  }
  pieces.Literal("],\"fields\":{");

  // Field names in order of first appearance. Series usually carry the same
  // few fields in every record, so a linear search over the names found so
  // far is cheaper than hashing.
  std::vector<std::string_view> names;
  names.reserve(records[0]->fields.size());
  for (const Record* record : records) {
    for (size_t j = 0; j < record->fields.size(); ++j) {
      std::string_view name = record->fields[j].name;
      if (j < names.size() && SameName(names[j], name)) continue;  // same layout
      bool known = false;
      for (std::string_view n : names) {
        if (n == name) {
          known = true;
          break;
        }
      }
      if (!known) names.push_back(name);
    }
  }

  for (size_t k = 0; k < names.size(); ++k) {
    if (k > 0) pieces.Char(',');
    AppendString(names[k], pieces.Flush());
    pieces.Literal(":[");
    size_t hint = k;
    for (size_t i = 0; i < records.size(); ++i) {
      if (i > 0) pieces.Char(',');
      const FieldValue* value = FindField(*records[i], names[k], &hint);
      if (value == nullptr) {
        pieces.Literal("null");
      } else {
        pieces.Value(*value);
      }
    }
    pieces.Char(']');
  }
  pieces.Literal("}}\n");
}

}  // namespace varve::ndjson
