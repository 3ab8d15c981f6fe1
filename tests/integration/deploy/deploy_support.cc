#include "deploy_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace galaxis::testing {

std::pair<int, std::string> sh_status(const std::string& command) {
  const std::string full = "(" + command + ") 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string sh(const std::string& command) {
  auto [code, out] = sh_status(command);
  if (code != 0) throw std::runtime_error("command failed (" + std::to_string(code) + "): " + command + "\n" + out);
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TempDir::TempDir(const std::string& name) {
  path_ = std::filesystem::temp_directory_path() / ("galaxis-deploy-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (std::getenv("GALAXIS_KEEP_TMP") == nullptr) std::filesystem::remove_all(path_, ec);
}

Origin::Origin(const std::filesystem::path& dir) : bare_(dir / "origin.git"), work_(dir / "work") {
  sh("git init -q --bare -b main " + bare_.string());
  sh("git init -q -b main " + work_.string());
  sh("cd " + work_.string() +
     " && git config user.email t@example.com && git config user.name test && "
     "git remote add origin " +
     bare_.string());
}

std::string Origin::commit(const std::map<std::string, std::optional<std::string>>& files, const std::string& message) {
  for (const auto& [name, content] : files) {
    const auto path = work_ / name;
    if (content) {
      std::filesystem::create_directories(path.parent_path());
      std::ofstream(path, std::ios::trunc) << *content;
      if (content->starts_with("#!"))
        std::filesystem::permissions(path, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
    } else {
      std::filesystem::remove(path);
    }
  }
  sh("cd " + work_.string() + " && git add -A && git commit -q --allow-empty -m '" + message + " " +
     std::to_string(++counter_) + "' && git push -q origin main");
  std::string sha = sh("cd " + work_.string() + " && git rev-parse HEAD");
  while (!sha.empty() && sha.back() == '\n') sha.pop_back();
  return sha;
}

std::pair<int, std::string> cli(const std::vector<std::string>& args) {
  std::string command = GALAXIS_BINARY;
  for (const std::string& a : args) {
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += " " + quoted + "'";
  }
  return sh_status(command);
}

std::string current_sha(const std::filesystem::path& root) {
  std::error_code ec;
  const std::string name = std::filesystem::read_symlink(root / "current", ec).filename().string();
  if (ec) return "";
  const auto dash = name.find('-');
  return dash == std::string::npos ? "" : name.substr(dash + 1, 40);
}

}  // namespace galaxis::testing
