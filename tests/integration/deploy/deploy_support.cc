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

Process::Process(std::vector<std::string> args, std::string log_path) : log_path_(std::move(log_path)) {
  std::vector<std::string> argv_strings;
  argv_strings.push_back(GALAXIS_BINARY);
  for (auto& a : args) argv_strings.push_back(std::move(a));
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + log_path_);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fd);
}

Process::~Process() {
  if (!wait(0)) {
    ::kill(pid_, SIGKILL);
    wait(30000);
  }
}

void Process::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> Process::wait(unsigned timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!status_) {
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
      break;
    }
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return status_;
}

std::string Process::log() const { return read_text(log_path_); }

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
