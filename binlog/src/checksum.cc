// CRC32 (ISO-HDLC / zlib polynomial, reflected 0xEDB88320).
//
// Binlog events are short (typically 50–500 bytes) and every one is
// checksummed, so the per-call cost matters more than peak throughput:
// zlib's crc32 spent ~60% of a QUERY-heavy decode in its short-buffer path
// (measured with perf on mariadb-repl-bin.000002). Slice-by-16 tables do
// ~1 byte/cycle from the first byte; for long buffers zlib's braided code is
// faster, so those go to zlib. Where the CPU has PCLMULQDQ (checked at run
// time), buffers of 16 bytes and more are folded with carry-less multiplies
// instead (Intel, "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ", constants for the reflected polynomial as in the Linux kernel's
// crc32-pclmul and Chromium's zlib): ~0.3 instructions per byte against ~4
// for the tables, and no zlib call for long buffers. The tail (< 16 bytes)
// and shorter buffers stay on the tables.
#include "galaxis/binlog/checksum.h"

// Checksumming is on the hot path of every build, Debug and sanitizer ones
// included (the corpus and fuzz runs decode everything): keep it optimized.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__)
#pragma GCC optimize("O2")
#endif

#include <zlib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GALAXIS_CRC32_CLMUL 1
#endif

#include <algorithm>
#include <limits>

namespace galaxis::binlog {
namespace {

constexpr uint32_t kPolynomial = 0xedb88320u;
constexpr size_t kZlibThreshold = 16 * 1024;  // above this zlib's braided code wins (measured)

// Plain arrays, not std::array: its operator[] would be an out-of-line call
// in -O0 builds despite the pragma above (it is defined in the header).
struct Tables {
  uint32_t t[16][256] = {};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolynomial : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (size_t s = 1; s < 16; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};

constexpr Tables kTables;

inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

uint32_t crc32_slice16(const uint8_t* p, size_t n, uint32_t crc) {
  const uint32_t(&t)[16][256] = kTables.t;
  crc = ~crc;
  while (n >= 16) {
    const uint32_t a = load_le32(p) ^ crc;
    const uint32_t b = load_le32(p + 4);
    const uint32_t c = load_le32(p + 8);
    const uint32_t d = load_le32(p + 12);
    crc = t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^ t[12][a >> 24] ^ t[11][b & 0xff] ^
          t[10][(b >> 8) & 0xff] ^ t[9][(b >> 16) & 0xff] ^ t[8][b >> 24] ^ t[7][c & 0xff] ^ t[6][(c >> 8) & 0xff] ^
          t[5][(c >> 16) & 0xff] ^ t[4][c >> 24] ^ t[3][d & 0xff] ^ t[2][(d >> 8) & 0xff] ^ t[1][(d >> 16) & 0xff] ^
          t[0][d >> 24];
    p += 16;
    n -= 16;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

#ifdef GALAXIS_CRC32_CLMUL
// x * k (both 64-bit halves, reflected) + next: one 128-bit fold.
__attribute__((target("pclmul,sse4.1"))) inline __m128i clmul_fold(__m128i x, __m128i next, __m128i k) {
  const __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x11), next), lo);
}

// The CRC register (not inverted by the caller's convention: `crc` is the
// running ~value) after n bytes, n >= 16 and a multiple of 16: four lanes of
// 64 bytes where there are, then 16-byte blocks.
__attribute__((target("pclmul,sse4.1"))) uint32_t crc32_clmul_register(const uint8_t* p, size_t n, uint32_t crc) {
  alignas(16) static const uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};  // fold by 4 x 128 bits
  alignas(16) static const uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};  // fold by 128 bits
  alignas(16) static const uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};  // 64 -> 32 bits
  alignas(16) static const uint64_t poly[] = {0x01db710641, 0x01f7011641};  // P(x)', Barrett's u'
  const auto load = [](const uint8_t* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); };

  __m128i x1 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i k;
  if (n >= 64) {
    __m128i x2 = load(p + 16);
    __m128i x3 = load(p + 32);
    __m128i x4 = load(p + 48);
    p += 64;
    n -= 64;
    k = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
    while (n >= 64) {
      const __m128i x5 = _mm_clmulepi64_si128(x1, k, 0x00);
      const __m128i x6 = _mm_clmulepi64_si128(x2, k, 0x00);
      const __m128i x7 = _mm_clmulepi64_si128(x3, k, 0x00);
      const __m128i x8 = _mm_clmulepi64_si128(x4, k, 0x00);
      x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k, 0x11), x5), load(p));
      x2 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x2, k, 0x11), x6), load(p + 16));
      x3 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x3, k, 0x11), x7), load(p + 32));
      x4 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x4, k, 0x11), x8), load(p + 48));
      p += 64;
      n -= 64;
    }
    // Fold the four lanes into one.
    k = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
    x1 = clmul_fold(x1, x2, k);
    x1 = clmul_fold(x1, x3, k);
    x1 = clmul_fold(x1, x4, k);
  } else {
    p += 16;
    n -= 16;
    k = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
  }
  // The remaining 16-byte blocks.
  while (n >= 16) {
    x1 = clmul_fold(x1, load(p), k);
    p += 16;
    n -= 16;
  }
  // 128 -> 64 bits.
  const __m128i mask32 = _mm_setr_epi32(~0, 0, ~0, 0);
  __m128i x2 = _mm_clmulepi64_si128(x1, k, 0x10);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
  k = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x00), x2);
  // Barrett reduction to 32 bits.
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x10);
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, mask32), k, 0x00);
  return static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(x1, x2), 1));
}

// A static initializer: __builtin_cpu_init() first (GCC requires it before
// constructors may have run). Read before it ran (another TU's initializer
// checksumming), the flag is false: the tables, still correct.
bool detect_clmul() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
const bool kHasClmul = detect_clmul();
#else
constexpr bool kHasClmul = false;
#endif

}  // namespace

namespace detail {
uint32_t crc32_tables(std::span<const uint8_t> data, uint32_t crc) {
  return crc32_slice16(data.data(), data.size(), crc);
}
bool crc32_uses_clmul() { return kHasClmul; }
}  // namespace detail

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
#ifdef GALAXIS_CRC32_CLMUL
  if (kHasClmul && data.size() >= 16) {
    const size_t folded = data.size() & ~size_t{15};
    crc = ~crc32_clmul_register(data.data(), folded, ~crc);
    return crc32_slice16(data.data() + folded, data.size() - folded, crc);
  }
#endif
  if (data.size() < kZlibThreshold) return crc32_slice16(data.data(), data.size(), crc);
  uLong value = crc;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const size_t chunk = std::min<size_t>(left, std::numeric_limits<uInt>::max());
    value = ::crc32(value, p, static_cast<uInt>(chunk));
    p += chunk;
    left -= chunk;
  }
  return static_cast<uint32_t>(value);
}

}  // namespace galaxis::binlog
