#include "galaxis/sql/collation_fold.h"

#include <array>
#include <utility>

namespace galaxis::sql {

AsciiFoldRule ascii_fold_rule(std::string_view charset, std::string_view collation) {
  // The collation names its charset first ("utf8_general_ci" on older
  // servers for utf8mb3).
  if (charset != "utf8mb4" && charset != "utf8mb3" && charset != "utf8" && charset != "latin1" && charset != "ascii") {
    return AsciiFoldRule::kUnknown;
  }
  std::string_view suffix;
  for (std::string_view prefix : {charset, std::string_view(charset == "utf8mb3" ? "utf8" : "")}) {
    if (!prefix.empty() && collation.size() > prefix.size() + 1 && collation.substr(0, prefix.size()) == prefix &&
        collation[prefix.size()] == '_') {
      suffix = collation.substr(prefix.size() + 1);
      break;
    }
  }
  if (suffix.empty()) return AsciiFoldRule::kUnknown;
  const bool unicode = charset.substr(0, 4) == "utf8";
  constexpr std::array<std::pair<std::string_view, AsciiFoldRule>, 5> kUnicode = {{
      {"unicode_ci", AsciiFoldRule::kPadSpace},
      {"unicode_nopad_ci", AsciiFoldRule::kNoPad},
      {"unicode_520_ci", AsciiFoldRule::kPadSpace},
      {"unicode_520_nopad_ci", AsciiFoldRule::kNoPad},
      {"uca1400_ai_ci", AsciiFoldRule::kPadSpace},
  }};
  if (suffix == "general_ci" && charset != "latin1") return AsciiFoldRule::kPadSpace;
  if (suffix == "general_nopad_ci" && charset != "latin1") return AsciiFoldRule::kNoPad;
  if (charset == "latin1") {
    if (suffix == "swedish_ci") return AsciiFoldRule::kPadSpace;
    if (suffix == "swedish_nopad_ci") return AsciiFoldRule::kNoPad;
    return AsciiFoldRule::kUnknown;
  }
  if (!unicode) return AsciiFoldRule::kUnknown;
  for (const auto& [name, rule] : kUnicode) {
    if (suffix == name) return rule;
  }
  if (suffix == "uca1400_nopad_ai_ci") return AsciiFoldRule::kNoPad;
  if (suffix == "0900_ai_ci" && charset == "utf8mb4") return AsciiFoldRule::kNoPad;
  return AsciiFoldRule::kUnknown;
}

std::optional<std::string_view> ascii_fold_span(std::string_view bytes, AsciiFoldRule rule) {
  if (rule == AsciiFoldRule::kUnknown) return std::nullopt;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b > 0x7E) return std::nullopt;
  }
  if (rule == AsciiFoldRule::kPadSpace) {
    while (!bytes.empty() && bytes.back() == ' ') bytes.remove_suffix(1);
  }
  return bytes;
}

std::optional<std::string> ascii_fold(std::string_view bytes, AsciiFoldRule rule) {
  std::optional<std::string_view> span = ascii_fold_span(bytes, rule);
  if (!span) return std::nullopt;
  std::string out(*span);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace galaxis::sql
