// Small text helpers of the Oracle parsers (lib/oracle only).
#ifndef TWINARRAY_LIB_ORACLE_TEXT_H_
#define TWINARRAY_LIB_ORACLE_TEXT_H_

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

namespace twinarray {
namespace oracle_text {

/// The prefixes of the codes the tools print ("ORA-01034", "TNS-12541", ...).
inline constexpr const char* kCodePrefixes[] = {"ORA", "TNS", "LRM", "SP2", "NNL", "PLS"};

inline std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\0') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

inline std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

inline bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace oracle_text
}  // namespace twinarray

#endif  // TWINARRAY_LIB_ORACLE_TEXT_H_
