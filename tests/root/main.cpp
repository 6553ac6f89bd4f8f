// Root tests load the real BPF programs. Where that cannot work (not root,
// no BTF) every test is reported as skipped, with the reason, through
// ctest's SKIP_RETURN_CODE, never as passed.
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "tests/root/sensor_harness.h"

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]).starts_with("--list")) listing = true;
  if (!listing) {
    const char* reason = nullptr;
    if (geteuid() != 0)
      reason = "not root: loading BPF programs needs root";
    else if (!std::filesystem::exists("/sys/kernel/btf/vmlinux"))
      reason = "kernel has no BTF (/sys/kernel/btf/vmlinux)";
    if (reason) {
      std::printf("SKIPPED: %s\n", reason);
      return 77;
    }
  }
  int rc = Catch::Session().run(argc, argv);
  // ctest runs one test case per process: a case that could not run here
  // is reported as skipped, with its reason.
  if (rc == 0 && !yagura::test::skip_reason().empty()) {
    std::printf("SKIPPED: %s\n", yagura::test::skip_reason().c_str());
    return 77;
  }
  return rc;
}
