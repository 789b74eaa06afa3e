// Small text helpers of the parsers: lines, words, trimming. Pure functions.
#ifndef TWINARRAY_LIB_SYS_TEXT_H_
#define TWINARRAY_LIB_SYS_TEXT_H_

#include <string>
#include <vector>

namespace twinarray {

/// `text` without leading and trailing blanks (space, tab, CR, LF).
std::string Trim(const std::string& text);
/// Everything before the first newline.
std::string FirstLine(const std::string& text);
/// The lines of `text`, split at LF or NUL; a last line without LF counts, an empty one does not.
std::vector<std::string> Lines(const std::string& text);
/// The blank-separated words of `text`.
std::vector<std::string> Words(const std::string& text);
/// `text` in upper case (ASCII).
std::string Upper(std::string text);
/// An ASCII letter or digit.
bool IsAlnum(char c);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_TEXT_H_
