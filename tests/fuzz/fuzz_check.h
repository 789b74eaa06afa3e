// What every libFuzzer harness in tests/fuzz shares: an invariant check that stops the run with
// the broken invariant's text (libFuzzer then saves the input as a crash reproducer).
#ifndef TWINARRAY_TESTS_FUZZ_FUZZ_CHECK_H_
#define TWINARRAY_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

/// Aborts (a crash to libFuzzer) when `cond` is false, naming the invariant and where it is.
#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace twinarray::fuzz {

/// The fuzzer's bytes as the parsers take them.
inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Whitespace-separated words, as the device-mapper line parsers split them (isspace of the C
/// locale, which is what operator>> into a std::string uses).
inline size_t CountWords(const std::string& text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

}  // namespace twinarray::fuzz

#endif  // TWINARRAY_TESTS_FUZZ_FUZZ_CHECK_H_
