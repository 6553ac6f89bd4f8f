#include "wire/zstd_frame.h"

#include <zstd.h>

#include <memory>

namespace yagura {
namespace {

struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

Error malformed(const std::string& why) { return Error{"zstd frame: " + why, EBADMSG}; }

}  // namespace

std::string zstd_compress(std::string_view data, int level) {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(ctx.get(), out.data(), out.size(), data.data(), data.size());
  // Only a too-small destination can fail, and compressBound rules it out.
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

Result<std::string> zstd_decompress(std::string_view frame, size_t max_bytes) {
  std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  // Refuse frames whose window would make the decoder allocate past what a
  // batch may be: the allocation, not only the output, must stay bounded.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  std::string out;
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  char chunk[64 * 1024];
  for (;;) {
    ZSTD_outBuffer o{chunk, sizeof(chunk), 0};
    const size_t remaining = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(remaining)) return malformed(ZSTD_getErrorName(remaining));
    if (out.size() + o.pos > max_bytes) {
      return Error{"zstd frame expands past the limit of " + std::to_string(max_bytes) + " bytes",
                   E2BIG};
    }
    out.append(chunk, o.pos);
    if (remaining == 0) break;  // the frame is complete
    // All input read and room left in the output: the decoder wants more.
    if (in.pos == in.size && o.pos < o.size) return malformed("truncated");
  }
  if (in.pos != in.size) return malformed("trailing bytes after the frame");
  return out;
}

}  // namespace yagura
