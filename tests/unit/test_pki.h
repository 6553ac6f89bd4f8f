// Development PKIs made by the project's own scripts/dev-pki.sh, each once
// per test process: ours (CA, collector for localhost and 127.0.0.1,
// sensors s1, s2 and test-sensor, admin csirt), and a foreign one, whose
// sensors are also called s1 and test-sensor, that nobody trusts.
//
//   const std::string& pki = our_pki();   // pki + "/sensor-s1.pem", "/ca.pem", ...
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "temp_dir.h"

namespace yagura::testing {

// A file of the repository. __FILE__ is absolute in the CMake build.
inline std::string repo_path(const std::string& relative) {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("tests/unit/")) + relative;
}

inline std::string make_pki(const TempDir& dir, const std::string& names) {
  const std::string command =
      "bash " + repo_path("scripts/dev-pki.sh") + " " + dir.path + " " + names + " >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  return dir.path;
}

inline const std::string& our_pki() {
  static TempDir dir;
  static const std::string path =
      make_pki(dir, "--sensor s1 --sensor s2 --sensor test-sensor --admin csirt");
  return path;
}

inline const std::string& foreign_pki() {
  static TempDir dir;
  static const std::string path = make_pki(dir, "--sensor s1 --sensor test-sensor");
  return path;
}

}  // namespace yagura::testing
