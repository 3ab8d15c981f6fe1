// galaxis/sql/collation_fold.h — an exact, conservative equivalence for
// values of a character column under a case/accent-insensitive collation,
// for write sets (write_set.h; issue 15: "collated unique keys serialise a
// table").
//
// The rule (checked against every flavour's own `=` and GROUP BY in
// tests/integration/sql/collation_fold_real_test.cc):
//   For a known collation (ascii_fold_rule() != kUnknown), two values made
//   only of printable ASCII (0x20..0x7E) are equal under the collation only
//   if their ASCII case folds are equal — after removing trailing spaces for
//   a PAD SPACE collation (NO PAD keeps them). Any other value (a byte
//   outside 0x20..0x7E: non-ASCII letters that fold to ASCII ones, 'ß' =
//   'ss', accents, control characters that UCA collations ignore) has no
//   such form: the caller must make it conflict with every value of the key.
// The fold may merge values the server tells apart (a _cs collation, a NO
// PAD one treated as PAD SPACE) — that costs parallelism only; it never
// separates values the server considers equal, which would reorder writes
// to one unique value.
//
// Known collations: the charset utf8mb4, utf8mb3 (alias utf8), latin1 or
// ascii with general_ci, unicode_ci, unicode_520_ci (PAD SPACE), their
// MariaDB _nopad_ variants (NO PAD), MySQL's 0900_ai_ci (NO PAD), MariaDB's
// uca1400_ai_ci (PAD SPACE) and uca1400_nopad_ai_ci (NO PAD), latin1_swedish_ci
// and latin1_swedish_nopad_ci. Everything else is kUnknown (other locales
// have contractions such as Czech 'ch', ucs2/utf16/utf32 store other bytes).
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace galaxis::sql {

enum class AsciiFoldRule : unsigned char { kUnknown, kPadSpace, kNoPad };

// The rule for a column's CHARACTER_SET_NAME and COLLATION_NAME (lower case).
AsciiFoldRule ascii_fold_rule(std::string_view charset, std::string_view collation);

// The part of `bytes` that the fold keeps (trailing spaces removed under
// kPadSpace), to be compared ASCII-case-insensitively; nullopt when a byte
// is outside 0x20..0x7E or the rule is kUnknown.
std::optional<std::string_view> ascii_fold_span(std::string_view bytes, AsciiFoldRule rule);

// The fold's lowering of one byte of a span: the write set hashes each byte
// through this, and ascii_fold() below builds its string with it, so the
// real-server sweep over ascii_fold() checks the lowering the write set uses.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The fold itself (lower-cased span), for tests and logs.
std::optional<std::string> ascii_fold(std::string_view bytes, AsciiFoldRule rule);

}  // namespace galaxis::sql
