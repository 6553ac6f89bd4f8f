#include "dump/dump_key.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/read_file.h"
#include "tests/unit/temp_dir.h"

using namespace yagura;
using yagura::testing::TempDir;

TEST_CASE("dump key: created once, 0600, then loaded", "[dump]") {
  TempDir dir;
  const std::string path = dir.path + "/dump.key";
  auto created = dump::load_or_create_dump_key(path);
  REQUIRE(created.ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  auto pem = read_file(path);
  REQUIRE(pem.ok());
  CHECK(pem->rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

  auto again = dump::load_or_create_dump_key(path);
  REQUIRE(again.ok());
  CHECK(again->fingerprint() == created->fingerprint());  // not replaced
  CHECK(read_file(path).value() == *pem);
}

TEST_CASE("dump key: a key others can read, or not Ed25519, is refused", "[dump]") {
  TempDir dir;
  auto pair = generate_key_pair();
  REQUIRE(pair.ok());
  const std::string open_key = dir.write("open.key", pair->private_pem, 0644);
  auto refused = dump::load_or_create_dump_key(open_key);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("chmod 600"));
  CHECK(read_file(open_key).value() == pair->private_pem);  // left alone

  const std::string garbage = dir.write("garbage.key", "not a key\n", 0600);
  CHECK_FALSE(dump::load_or_create_dump_key(garbage).ok());
  CHECK_FALSE(dump::load_or_create_dump_key(dir.path + "/missing-dir/dump.key").ok());
}
