#include "connection_options.h"

#include <algorithm>
#include <cctype>

#include "galaxis/common/error.h"
#include "galaxis/common/secret.h"

namespace galaxis::cli {

ConnectionOption::ConnectionOption(CLI::App& app, std::string role, bool required) : role_(std::move(role)) {
  auto* url =
      app.add_option("--" + role_, url_text_, "mysql://user@host:port[?socket=PATH&ssl-mode=MODE] of the " + role_);
  if (required) url->required();
  std::string env = "GALAXIS_" + role_ + "_PASSWORD";
  std::transform(env.begin(), env.end(), env.begin(), [](unsigned char c) { return std::toupper(c); });
  app.add_option("--" + role_ + "-password-file", password_file_,
                 "file holding the " + role_ + " password (default: $" + env + ")");
}

ConnectionUrl ConnectionOption::resolve() const {
  ConnectionUrl url = with_context("--" + role_, [&] { return parse_connection_url(url_text_); });
  std::string env = "GALAXIS_" + role_ + "_PASSWORD";
  std::transform(env.begin(), env.end(), env.begin(), [](unsigned char c) { return std::toupper(c); });
  if (auto secret = read_secret(env, password_file_)) url.password = std::move(*secret);
  return url;
}

std::vector<std::string> ConnectionOption::flags() const {
  std::vector<std::string> out = {"--" + role_, url_text_};
  if (!password_file_.empty()) out.insert(out.end(), {"--" + role_ + "-password-file", password_file_});
  return out;
}

}  // namespace galaxis::cli
