// galaxis/common/secret.h — passwords and tokens that never leak.
//
// A Secret holds its bytes privately; formatting it (fmt, spdlog, operator<<)
// prints "***". Secrets are read from an environment variable or a file,
// never from argv. The memory is wiped on destruction.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace galaxis {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();

  // The only way to get at the bytes; grep for reveal() to audit uses.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

inline std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "***"; }

// Resolves a secret: from `file_path` when given (one trailing newline is
// stripped; the file must exist and be readable), else from the environment
// variable `env_name` when set, else std::nullopt. Throws Error(kUsage) with
// the file name (never the content) when the file cannot be read.
std::optional<Secret> read_secret(std::string_view env_name, const std::string& file_path);

// Compares two byte strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace galaxis

template <>
struct fmt::formatter<galaxis::Secret> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const galaxis::Secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
