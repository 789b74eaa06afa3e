#include "lib/sys/text.h"

#include <doctest/doctest.h>

namespace twinarray {

TEST_CASE("text: trim, first line, lines, words, upper") {
  CHECK(Trim("  a b\t\r\n") == "a b");
  CHECK(Trim(" \n\t ").empty());
  CHECK(FirstLine("one\ntwo") == "one");
  CHECK(FirstLine("only") == "only");
  CHECK(Lines("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(Lines("a\n\nb") == std::vector<std::string>{"a", "", "b"});
  CHECK(Lines(std::string("a\0b", 3)) == std::vector<std::string>{"a", "b"});
  CHECK(Lines("").empty());
  CHECK(Words("  ORA-01034:  ORACLE\tnot available ") ==
        std::vector<std::string>{"ORA-01034:", "ORACLE", "not", "available"});
  CHECK(Upper("listener_a1") == "LISTENER_A1");
  CHECK(IsAlnum('z'));
  CHECK_FALSE(IsAlnum('_'));
  CHECK_FALSE(IsAlnum(static_cast<char>(0xe9)));
}

}  // namespace twinarray
