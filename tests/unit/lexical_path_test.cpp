#include "sensor/decode/lexical_path.h"

#include <catch2/catch.hpp>

namespace yagura {

TEST_CASE("lexical normalization of absolute paths", "[lexical_path]") {
  CHECK(normalize_lexical_path("/a/./b/../c") == "/a/c");
  CHECK(normalize_lexical_path("/etc/passwd") == "/etc/passwd");
  CHECK(normalize_lexical_path("//etc///cron.d//x") == "/etc/cron.d/x");
  CHECK(normalize_lexical_path("/etc/cron.d/") == "/etc/cron.d");
  CHECK(normalize_lexical_path("/") == "/");
  CHECK(normalize_lexical_path("//") == "/");
  CHECK(normalize_lexical_path("/.") == "/");
  CHECK(normalize_lexical_path("/a/..") == "/");
  CHECK(normalize_lexical_path("/a/b/../../..") == "/");
}

TEST_CASE("a dot-dot at the root stays at the root", "[lexical_path]") {
  CHECK(normalize_lexical_path("/..") == "/");
  CHECK(normalize_lexical_path("/../../etc/shadow") == "/etc/shadow");
  CHECK(normalize_lexical_path("/tmp/../../../etc/./shadow") == "/etc/shadow");
}

TEST_CASE("names that only look like dots are names", "[lexical_path]") {
  CHECK(normalize_lexical_path("/a/.../b") == "/a/.../b");
  CHECK(normalize_lexical_path("/a/..b/.c/c.") == "/a/..b/.c/c.");
}

TEST_CASE("relative paths keep the dot-dots they cannot apply", "[lexical_path]") {
  CHECK(normalize_lexical_path("a/../../b") == "../b");
  CHECK(normalize_lexical_path("../../x") == "../../x");
  CHECK(normalize_lexical_path("./a/./b") == "a/b");
  CHECK(normalize_lexical_path("a/..") == ".");
  CHECK(normalize_lexical_path(".") == ".");
  CHECK(normalize_lexical_path("") == "");
}

TEST_CASE("bytes that are not UTF-8 pass through", "[lexical_path]") {
  CHECK(normalize_lexical_path("/tmp/\xff\xfe/../\x80x") == "/tmp/\x80x");
}

}  // namespace yagura
