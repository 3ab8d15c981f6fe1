// galaxis/binlog/format_charset.h — character sets of MySQL/MariaDB
// collation ids, and conversion of column bytes to UTF-8 for output.
//
// The collation table covers every id of MariaDB 10.11/11.x (including the
// UCA-14.0 ranges 2048..3327) and MySQL 8.0/9.x (utf8mb4_0900_* 255..323,
// gb18030 248..250). Conversion goes through glibc iconv, except for the
// UTF-8 family (validated only) and MySQL's latin1, which is cp1252 with the
// five holes mapped to C1 controls (what the server itself does), converted
// by table.
//
// Thread-safety: collation_charset() and is_valid_utf8() are pure;
// Utf8Converter caches iconv handles and is not thread-safe (one per thread).
// Nothing here throws on bad bytes: conversion reports failure by returning
// false, and callers fall back to base64.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace galaxis::binlog {

enum class Charset : uint8_t {
  kUnknown,
  kBinary,
  kUtf8mb3,
  kUtf8mb4,
  kLatin1,
  kAscii,
  kUcs2,
  kUtf16,
  kUtf16le,
  kUtf32,
  kBig5,
  kLatin2,
  kDec8,
  kCp850,
  kHp8,
  kKoi8r,
  kSwe7,
  kUjis,
  kSjis,
  kCp1251,
  kHebrew,
  kTis620,
  kEuckr,
  kLatin7,
  kKoi8u,
  kGb2312,
  kGreek,
  kCp1250,
  kGbk,
  kCp1257,
  kLatin5,
  kArmscii8,
  kCp866,
  kKeybcs2,
  kMacce,
  kMacroman,
  kCp852,
  kCp1256,
  kGeostd8,
  kCp932,
  kEucjpms,
  kGb18030,
  kCount_
};

// The character set of a collation id; kBinary for 63, kUnknown for 0 and
// ids no server version defines.
Charset collation_charset(uint16_t collation);

// "utf8mb4", "latin1", "binary", "unknown", ... (MySQL's names).
std::string_view charset_name(Charset charset);

// Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

class Utf8Converter {
 public:
  Utf8Converter() = default;
  ~Utf8Converter();
  Utf8Converter(const Utf8Converter&) = delete;
  Utf8Converter& operator=(const Utf8Converter&) = delete;

  // Appends `bytes` (in the character set of `collation`) to `out` as UTF-8.
  // Collation 0 (unknown) is taken as UTF-8. Returns false and leaves `out`
  // unchanged when the collation is binary, its charset has no converter, or
  // the bytes are not valid in it.
  bool append_utf8(std::string_view bytes, uint16_t collation, std::string& out);

 private:
  std::array<void*, static_cast<size_t>(Charset::kCount_)> handles_{};  // iconv_t, opened lazily
};

}  // namespace galaxis::binlog
