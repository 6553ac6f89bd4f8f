#include "policy/policy_loader.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "policy/default_policy.h"
#include "policy/policy_signature.h"
#include "tests/unit/temp_dir.h"

using namespace yagura::policy;
namespace fs = std::filesystem;

namespace {

struct Workspace {
  Workspace() : dir(tmp.path) {
    auto pair = generate_key_pair();
    REQUIRE(pair);
    keys = *pair;
    write(dir + "/csirt.pub", keys.public_pem);
    write(dir + "/csirt.key", keys.private_pem);
    chmod((dir + "/csirt.key").c_str(), 0600);
    options.path = dir + "/policy.yaml";
    options.trusted_keys = {dir + "/csirt.pub"};
    options.state_dir = dir;
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string policy_text(int version) {
    return "policy: {name: t, version: " + std::to_string(version) +
           "}\nrules:\n  - {id: r, action: drop, types: [fork]}\n";
  }
  void write_signed(int version) {
    const std::string text = policy_text(version);
    write(options.path, text);
    auto key = PrivateKey::from_pem(keys.private_pem, "test");
    REQUIRE(key);
    auto sig = sign_policy(text, *key);
    REQUIRE(sig);
    write(options.path + ".sig", *sig);
  }

  yagura::testing::TempDir tmp;
  const std::string dir;
  GeneratedKeyPair keys;
  PolicyLoadOptions options;
};

}  // namespace

TEST_CASE("loader: no path is the built-in policy", "[policy][loader]") {
  auto loaded = load_policy(PolicyLoadOptions{});
  REQUIRE(loaded);
  CHECK(loaded->origin == kDefaultPolicyOrigin);
  CHECK(loaded->policy->name() == "yagura-default");
  CHECK(loaded->signer.empty());
}

TEST_CASE("loader: a signed policy loads and names its signer", "[policy][loader]") {
  Workspace w;
  w.write_signed(3);
  auto loaded = load_policy(w.options);
  REQUIRE(loaded);
  CHECK(loaded->policy->version() == 3);
  CHECK(loaded->signer == w.keys.fingerprint);
  CHECK(loaded->origin == w.options.path);
}

TEST_CASE("loader: unsigned is refused when signatures are required", "[policy][loader]") {
  Workspace w;
  Workspace::write(w.options.path, Workspace::policy_text(1));
  auto refused = load_policy(w.options);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("unsigned"));

  w.options.require_signature = false;
  auto loaded = load_policy(w.options);
  REQUIRE(loaded);
  CHECK(loaded->signer.empty());
}

TEST_CASE("loader: a bad signature is refused even when not required", "[policy][loader]") {
  Workspace w;
  w.write_signed(1);
  Workspace::write(w.options.path, Workspace::policy_text(1) + "# edited after signing\n");
  w.options.require_signature = false;
  auto refused = load_policy(w.options);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("policy.yaml.sig: refused"));
}

TEST_CASE("loader: an older version than the accepted one is refused", "[policy][loader]") {
  Workspace w;
  w.write_signed(5);
  auto v5 = load_policy(w.options);
  REQUIRE(v5);
  REQUIRE(record_accepted(w.options, *v5->policy));

  w.write_signed(4);
  auto v4 = load_policy(w.options);
  REQUIRE_FALSE(v4);
  CHECK_THAT(v4.error().message, Catch::Contains("rollback"));

  w.options.allow_rollback = true;
  CHECK(load_policy(w.options));
}

TEST_CASE("loader: compile errors keep their position", "[policy][loader]") {
  Workspace w;
  w.options.require_signature = false;
  Workspace::write(w.options.path,
                   "policy: {name: t, version: 1}\nrules:\n  - {id: r, action: dorp}\n");
  auto refused = load_policy(w.options);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::StartsWith(w.options.path + ":3:"));
}

TEST_CASE("loader: a missing policy file is an error, not the default", "[policy][loader]") {
  Workspace w;
  auto refused = load_policy(w.options);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("no such file"));
}
