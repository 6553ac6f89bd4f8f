#include "wire/zstd_frame.h"

#include <zstd.h>

#include <catch2/catch.hpp>
#include <random>

using namespace yagura;

TEST_CASE("zstd frames round-trip text, binary and empty input", "[zstd]") {
  std::mt19937 rng(7);
  std::string binary(100000, '\0');
  for (char& c : binary) c = static_cast<char>(rng());
  std::string text;
  for (int i = 0; i < 5000; ++i) text += R"({"type":"exec","process":{"pid":)" + std::to_string(i) + "}}\n";
  for (const std::string& input : {std::string(), text, binary}) {
    const std::string frame = zstd_compress(input);
    auto back = zstd_decompress(frame, input.size());
    REQUIRE(back);
    CHECK(*back == input);
  }
  CHECK(zstd_compress(text).size() < text.size() / 10);
}

TEST_CASE("zstd refuses a frame that expands past the limit, whatever it claims", "[zstd]") {
  const std::string zeros(16u << 20, '\0');
  const std::string frame = zstd_compress(zeros);
  REQUIRE(frame.size() < 4096);  // a compression bomb: tiny in, huge out
  auto r = zstd_decompress(frame, 1u << 20);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == E2BIG);

  // A frame without a content size in its header (streamed) is bounded too.
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  std::string streamed(ZSTD_compressBound(zeros.size()), '\0');
  ZSTD_outBuffer out{streamed.data(), streamed.size(), 0};
  ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 0);
  while (ZSTD_compressStream2(ctx, &out, &in, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(ctx);
  streamed.resize(out.pos);
  auto s = zstd_decompress(streamed, 1u << 20);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == E2BIG);
}

TEST_CASE("zstd refuses corrupted, truncated and padded frames as malformed", "[zstd]") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
  const std::string frame = zstd_compress(text);

  std::string corrupted = frame;
  corrupted[corrupted.size() / 2] ^= 0x5a;
  auto c = zstd_decompress(corrupted, 1u << 20);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == EBADMSG);

  for (size_t cut : {size_t{0}, size_t{3}, frame.size() / 2, frame.size() - 1}) {
    auto t = zstd_decompress(frame.substr(0, cut), 1u << 20);
    INFO("cut at " << cut);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == EBADMSG);
  }

  auto padded = zstd_decompress(frame + "x", 1u << 20);
  REQUIRE_FALSE(padded);
  CHECK(padded.error().code == EBADMSG);

  auto garbage = zstd_decompress("not a zstd frame at all", 1u << 20);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == EBADMSG);
}
