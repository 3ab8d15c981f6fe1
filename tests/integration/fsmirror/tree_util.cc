// fsmirror test helpers (tree_util.h).
#include "tree_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "galaxis/testing/ssh_server.h"

namespace galaxis::fsmirror::test {
namespace {

std::string sha256_hex(const std::string& data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    out += buf;
  }
  return out;
}

std::string g_walk_root;
std::map<std::string, Node>* g_walk_out = nullptr;

int walk_one(const char* fpath, const struct stat* st, int /*flag*/, FTW* /*ftw*/) {
  std::string rel = fpath;
  rel = rel.size() > g_walk_root.size() ? rel.substr(g_walk_root.size() + 1) : "";
  if (rel == ".galaxis-mirror" || rel.rfind(".galaxis-mirror/", 0) == 0) return 0;
  Node n;
  n.mode = st->st_mode & 07777;
  n.mtime_ns = static_cast<int64_t>(st->st_mtim.tv_sec) * 1000000000 + st->st_mtim.tv_nsec;
  if (S_ISREG(st->st_mode)) {
    n.type = 'f';
    n.size = static_cast<uint64_t>(st->st_size);
    n.sha = sha256_hex(read_file(fpath));
  } else if (S_ISDIR(st->st_mode)) {
    n.type = 'd';
  } else if (S_ISLNK(st->st_mode)) {
    n.type = 'l';
    n.mode = 0;  // a link's mode means nothing
    std::string target(4096, '\0');
    const ssize_t len = ::readlink(fpath, target.data(), target.size());
    target.resize(len < 0 ? 0 : static_cast<size_t>(len));
    n.target = target;
    n.size = target.size();
  } else {
    n.type = 's';
  }
  (*g_walk_out)[rel] = n;
  return 0;
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string describe(const Node& n) {
  std::ostringstream os;
  os << n.type << " mode=" << std::oct << n.mode << std::dec << " size=" << n.size << " mtime=" << n.mtime_ns;
  if (!n.target.empty()) os << " -> " << printable(n.target);
  if (!n.sha.empty()) os << " sha=" << n.sha.substr(0, 12);
  return os.str();
}

}  // namespace

TempDir::TempDir(const std::string& tag) {
  std::string tmpl = "/tmp/gx-fsmirror-" + tag + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
  path_ = tmpl;
}

TempDir::~TempDir() {
  // Unmount any tmpfs a test mounted below (innermost first), then remove.
  shell("grep -o ' " + path_ + "[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l");
  shell("rm -rf '" + path_ + "'");
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("open " + printable(path) + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) throw std::runtime_error("write " + printable(path));
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);
  ::close(fd);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void make_dirs(const std::string& path) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    ::mkdir(path.substr(0, pos).c_str(), 0755);
  }
}

void set_mtime(const std::string& path, int64_t seconds) {
  const timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(out.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return out;
}

std::map<std::string, Node> walk_tree(const std::string& root) {
  std::map<std::string, Node> out;
  g_walk_root = root;
  g_walk_out = &out;
  ::nftw(root.c_str(), walk_one, 64, FTW_PHYS);
  g_walk_out = nullptr;
  return out;
}

std::string compare_trees(const std::string& a, const std::string& b) {
  const auto ta = walk_tree(a), tb = walk_tree(b);
  std::string diffs;
  int shown = 0;
  auto add = [&](const std::string& line) {
    if (++shown <= 20) diffs += line + "\n";
  };
  for (const auto& [path, node] : ta) {
    auto it = tb.find(path);
    if (it == tb.end()) {
      add("only in source: '" + printable(path) + "' " + describe(node));
    } else if (!(it->second == node)) {
      add("differs: '" + printable(path) + "' source " + describe(node) + " / dest " + describe(it->second));
    }
  }
  for (const auto& [path, node] : tb) {
    if (ta.find(path) == ta.end()) add("only in dest: '" + printable(path) + "' " + describe(node));
  }
  if (ta.size() < 2 && diffs.empty()) diffs = "source tree is (nearly) empty: nothing was compared\n";
  return diffs;
}

std::vector<std::string> temp_files(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& [path, node] : walk_tree(root)) {
    const size_t slash = path.rfind('/');
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.rfind(".galaxis-tmp~", 0) == 0) out.push_back(path);
  }
  return out;
}

Child start_cli(const std::vector<std::string>& args) {
  static int counter = 0;
  Child child;
  const std::string base = "/tmp/gx-fsmirror-cli-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  child.out_path = base + ".out";
  child.err_path = base + ".err";
  child.pid = ::fork();
  if (child.pid == 0) {
    const int out = ::open(child.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(child.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    std::vector<char*> argv;
    std::string bin = GALAXIS_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return child;
}

RunResult wait_cli(const Child& child) {
  RunResult r;
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(child.out_path);
  r.err = read_file(child.err_path);
  ::unlink(child.out_path.c_str());
  ::unlink(child.err_path.c_str());
  return r;
}

RunResult run_cli(const std::vector<std::string>& args) { return wait_cli(start_cli(args)); }

int shell(const std::string& command, std::string* out) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) text.append(buf, n);
  const int status = ::pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void append_destination(std::vector<std::string>& args, const std::string& dest, bool ssh) {
  if (!ssh) {
    args.push_back(dest);
    return;
  }
  const testing::SshServer& sshd = testing::shared_ssh_server();
  args.insert(args.end(), {sshd.url(dest), "--identity", sshd.user_key(), "--known-hosts", sshd.known_hosts(),
                           "--remote-path", GALAXIS_BINARY});
}

}  // namespace galaxis::fsmirror::test
