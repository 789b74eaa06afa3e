#include "helpers/json.h"

#include <cstdio>

namespace twinarray {

Json Json::Object() {
  Json j;
  j.value_ = Members{};
  return j;
}

Json Json::Array() {
  Json j;
  j.value_ = Elements{};
  return j;
}

Json& Json::Set(const std::string& key, Json value) {
  if (!std::holds_alternative<Members>(value_)) value_ = Members{};
  auto& items = std::get<Members>(value_).items;
  for (auto& [k, v] : items) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  items.emplace_back(key, std::move(value));
  return *this;
}

Json& Json::Push(Json value) {
  if (!std::holds_alternative<Elements>(value_)) value_ = Elements{};
  std::get<Elements>(value_).items.push_back(std::move(value));
  return *this;
}

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(&out, 0);
  return out;
}

void Json::DumpTo(std::string* out, int indent) const {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  const std::string close_pad(static_cast<size_t>(indent), ' ');
  if (std::holds_alternative<std::monostate>(value_)) {
    *out += "null";
  } else if (const bool* b = std::get_if<bool>(&value_)) {
    *out += *b ? "true" : "false";
  } else if (const int64_t* i = std::get_if<int64_t>(&value_)) {
    *out += std::to_string(*i);
  } else if (const double* d = std::get_if<double>(&value_)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", *d);
    *out += buffer;
  } else if (const std::string* s = std::get_if<std::string>(&value_)) {
    *out += JsonQuote(*s);
  } else if (const Members* m = std::get_if<Members>(&value_)) {
    if (m->items.empty()) {
      *out += "{}";
      return;
    }
    *out += "{\n";
    for (size_t k = 0; k < m->items.size(); ++k) {
      *out += pad + JsonQuote(m->items[k].first) + ": ";
      m->items[k].second.DumpTo(out, indent + 2);
      *out += k + 1 < m->items.size() ? ",\n" : "\n";
    }
    *out += close_pad + "}";
  } else if (const Elements* e = std::get_if<Elements>(&value_)) {
    if (e->items.empty()) {
      *out += "[]";
      return;
    }
    *out += "[\n";
    for (size_t k = 0; k < e->items.size(); ++k) {
      *out += pad;
      e->items[k].DumpTo(out, indent + 2);
      *out += k + 1 < e->items.size() ? ",\n" : "\n";
    }
    *out += close_pad + "]";
  }
}

}  // namespace twinarray
