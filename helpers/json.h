// A small JSON value for the helpers' --json output: objects keep their insertion order so the
// output is stable (golden files).
#ifndef TWINARRAY_HELPERS_JSON_H_
#define TWINARRAY_HELPERS_JSON_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace twinarray {

class Json {
 public:
  Json() = default;  ///< null
  Json(bool v) : value_(v) {}
  Json(int v) : value_(static_cast<int64_t>(v)) {}
  Json(int64_t v) : value_(v) {}
  Json(uint64_t v) : value_(static_cast<int64_t>(v)) {}
  Json(double v) : value_(v) {}
  Json(const char* v) : value_(std::string(v)) {}
  Json(std::string v) : value_(std::move(v)) {}

  static Json Object();
  static Json Array();

  /// Adds (or replaces) a member of an object.
  Json& Set(const std::string& key, Json value);
  /// Appends to an array.
  Json& Push(Json value);

  /// Pretty-printed with two-space indentation, no trailing newline.
  std::string Dump() const;

 private:
  struct Members {
    std::vector<std::pair<std::string, Json>> items;
  };
  struct Elements {
    std::vector<Json> items;
  };
  void DumpTo(std::string* out, int indent) const;

  std::variant<std::monostate, bool, int64_t, double, std::string, Members, Elements> value_;
};

/// `text` as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& text);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_JSON_H_
