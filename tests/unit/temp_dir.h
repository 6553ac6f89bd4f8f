// A fresh directory under /tmp for one test, removed with everything in it.
//
//   TempDir dir;
//   std::string key = dir.write("csirt.key", pem, 0600);
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace yagura::testing {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/yagura-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to path/name with `mode`; returns the file's path.
  std::string write(const std::string& name, const std::string& text, mode_t mode = 0644) const {
    std::string file = path + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    return file;
  }

  std::string path;
};

}  // namespace yagura::testing
