#include "jwt_auth/json_scanner.h"

#include <array>
#include <string>

#include "jwt_auth/json_member_names.h"
#include "jwt_auth/json_tokens.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

// Scanner validates one document in a single pass, keeping an explicit stack of the open
// objects and arrays instead of recursing.
class Scanner {
 public:
  Scanner(std::string_view text, JsonMemberHandler* handler)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        handler_(handler),
        names_(text.size()) {}

  // Scans the document; false when it is rejected, with the reason in problem_.
  bool run();

  // Returns the status for the rejection run() found.
  Status rejection() const;

 private:
  // An open object or array. It has no member initialisers, so that the stack of them is
  // not cleared for every document.
  struct Frame {
    bool is_object;
    // The index in names_ of this object's first member name.
    std::size_t first_name;
  };

  // The reason a document is rejected. The helpers return false and record it here, and run()
  // turns it into a Status once, because a Status per helper call would cost more than the scan.
  enum class Problem { kNone, kSyntax, kTooDeep, kDuplicateName, kNotObject };

  bool invalid(const char* syntax_problem) {
    problem_ = Problem::kSyntax;
    syntax_problem_ = syntax_problem;
    return false;
  }

  void skip_whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // Records the problem a token scanner returned, if any, and returns whether there was none.
  bool token_scanned(const char* problem) { return problem == nullptr || invalid(problem); }

  bool open(bool is_object);
  bool scan_scalar(JsonType& type);
  bool scan_member_name();

  const char* const begin_;
  const char* p_;
  const char* const end_;
  JsonMemberHandler* const handler_;
  std::array<Frame, kMaxJsonDepth> stack_;
  std::size_t depth_ = 0;
  JsonMemberNames names_;
  // The member of the top-level object whose value is being scanned.
  std::string_view member_name_;
  JsonType member_type_ = JsonType::kNull;
  const char* member_start_ = nullptr;
  JsonType top_type_ = JsonType::kObject;
  Problem problem_ = Problem::kNone;
  const char* syntax_problem_ = "";
  std::string_view duplicate_name_;
};

Status Scanner::rejection() const {
  switch (problem_) {
    case Problem::kTooDeep:
      return Status::invalid_argument("nests objects or arrays deeper than " +
                                      std::to_string(kMaxJsonDepth) + " levels");
    case Problem::kDuplicateName:
      return Status::invalid_argument("has the member " + quote_token_value(duplicate_name_) +
                                      " more than once");
    case Problem::kNotObject:
      return Status::invalid_argument("is a JSON " + std::string(json_type_name(top_type_)) +
                                      ", not an object");
    default:
      return Status::invalid_argument(std::string("is not valid JSON: ") + syntax_problem_ +
                                      " at byte " + std::to_string(p_ - begin_));
  }
}

bool Scanner::open(bool is_object) {
  if (depth_ == kMaxJsonDepth) {
    problem_ = Problem::kTooDeep;
    return false;
  }
  stack_[depth_].is_object = is_object;
  stack_[depth_].first_name = names_.size();
  ++depth_;
  ++p_;
  return true;
}

bool Scanner::scan_scalar(JsonType& type) {
  bool has_escapes = false;
  switch (*p_) {
    case '"':
      type = JsonType::kString;
      return token_scanned(scan_json_string(p_, end_, has_escapes));
    case 't':
      type = JsonType::kBoolean;
      return token_scanned(scan_json_literal(p_, end_, "true"));
    case 'f':
      type = JsonType::kBoolean;
      return token_scanned(scan_json_literal(p_, end_, "false"));
    case 'n':
      type = JsonType::kNull;
      return token_scanned(scan_json_literal(p_, end_, "null"));
    default:
      if (*p_ != '-' && (*p_ < '0' || *p_ > '9')) {
        return invalid("unexpected character where a value starts");
      }
      type = JsonType::kNumber;
      return token_scanned(scan_json_number(p_, end_));
  }
}

// Scans a member name and the ':' after it, and checks that the object has no other member of
// that name.
bool Scanner::scan_member_name() {
  if (p_ == end_ || *p_ != '"') return invalid("expected a member name in quotes");
  const char* start = p_;
  bool has_escapes = false;
  if (!token_scanned(scan_json_string(p_, end_, has_escapes))) return false;
  const std::string_view content(start + 1, static_cast<std::size_t>(p_ - start - 2));
  const std::string_view name = has_escapes ? names_.unescape(content) : content;

  if (names_.contains_since(stack_[depth_ - 1].first_name, name)) {
    problem_ = Problem::kDuplicateName;
    duplicate_name_ = name;
    return false;
  }
  names_.push(stack_[depth_ - 1].first_name, name);

  skip_whitespace();
  if (p_ == end_ || *p_ != ':') return invalid("expected ':' after a member name");
  ++p_;
  skip_whitespace();
  if (depth_ == 1) member_name_ = name;
  return true;
}

bool Scanner::run() {
  skip_whitespace();
  if (p_ == end_) return invalid("empty text");
  const bool top_is_object = *p_ == '{';

  // Each turn scans one value, then the punctuation after it up to the next value.
  for (;;) {
    if (p_ == end_) return invalid("unexpected end of text where a value starts");
    const bool is_member_value = top_is_object && depth_ == 1;
    if (is_member_value) member_start_ = p_;

    if (*p_ == '{' || *p_ == '[') {
      const bool is_object = *p_ == '{';
      if (is_member_value) member_type_ = is_object ? JsonType::kObject : JsonType::kArray;
      if (depth_ == 0) top_type_ = is_object ? JsonType::kObject : JsonType::kArray;
      if (!open(is_object)) return false;
      skip_whitespace();
      const char close = is_object ? '}' : ']';
      if (p_ != end_ && *p_ == close) {
        ++p_;
        --depth_;
        names_.truncate(stack_[depth_].first_name);
      } else if (is_object) {
        if (!scan_member_name()) return false;
        continue;
      } else {
        continue;
      }
    } else {
      JsonType type = JsonType::kNull;
      if (!scan_scalar(type)) return false;
      if (is_member_value) member_type_ = type;
      if (depth_ == 0) top_type_ = type;
    }

    // A value has ended at p_. Close the containers that end here, then find the next value.
    for (;;) {
      if (depth_ == 1 && top_is_object && handler_ != nullptr) {
        const auto size = static_cast<std::size_t>(p_ - member_start_);
        handler_->member(member_name_,
                         JsonValue{member_type_, std::string_view(member_start_, size)});
      }
      skip_whitespace();
      if (depth_ == 0) {
        if (p_ != end_) return invalid("unexpected text after the JSON value");
        if (!top_is_object) {
          problem_ = Problem::kNotObject;
          return false;
        }
        return true;
      }
      if (p_ == end_) return invalid("unexpected end of text inside an object or array");
      Frame& frame = stack_[depth_ - 1];
      if (*p_ == ',') {
        ++p_;
        skip_whitespace();
        if (frame.is_object && !scan_member_name()) return false;
        break;
      }
      if (*p_ != (frame.is_object ? '}' : ']')) {
        return invalid(frame.is_object ? "expected ',' or '}' after an object member"
                                       : "expected ',' or ']' after an array element");
      }
      ++p_;
      --depth_;
      names_.truncate(frame.first_name);
    }
  }
}

}  // namespace

std::string_view json_type_name(JsonType type) {
  switch (type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBoolean:
      return "boolean";
    case JsonType::kNumber:
      return "number";
    case JsonType::kString:
      return "string";
    case JsonType::kArray:
      return "array";
    case JsonType::kObject:
      return "object";
  }
  return "unknown";
}

Status scan_json_object(std::string_view text, JsonMemberHandler* handler) {
  Scanner scanner(text, handler);
  if (!scanner.run()) return scanner.rejection();
  return Status();
}

}  // namespace outbound::jwt
