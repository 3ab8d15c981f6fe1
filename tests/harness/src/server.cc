#include "galaxis/testing/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "galaxis/common/error.h"
#include "process.h"

namespace galaxis::testing {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr int kMaxPortAttempts = 5;

std::string cache_root() {
  const char* env = std::getenv("GALAXIS_CACHE_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("/var/cache/galaxis-relay");
}

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

std::string tail_of_file(const std::string& path, size_t lines) {
  std::ifstream in(path);
  if (!in) return "";
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw_error(Error::Kind::kIo, "writing {}", path);
}

std::string make_temp_dir(const std::string& parent, const std::string& prefix) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  std::string templ = parent + "/" + prefix + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw_error(Error::Kind::kIo, "mkdtemp {}: {} (is {} writable? tests run as root)", templ, std::strerror(errno),
                parent);
  }
  return templ;
}

// Inside a test: did this test fail? After the tests (shared servers at
// exit): did any test fail?
bool current_test_failed() {
  auto* unit = ::testing::UnitTest::GetInstance();
  if (unit == nullptr) return false;
  if (unit->current_test_info() != nullptr) return ::testing::Test::HasFailure();
  return unit->Failed();
}

// Identifies the server build, so a package upgrade re-creates the pristine datadir.
std::string binary_key(const std::string& host_path) {
  struct stat st {};
  if (stat(host_path.c_str(), &st) != 0) {
    throw_error(Error::Kind::kRuntime, "server binary {} is missing: {}", host_path, std::strerror(errno));
  }
  return std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec);
}

}  // namespace

uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_error(Error::Kind::kRuntime, "socket: {}", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(fd);
    throw_error(Error::Kind::kRuntime, "finding a free 127.0.0.1 port: {}", std::strerror(err));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

struct Server::Impl {
  ServerOptions options;
  std::string chroot;     // "" for the native flavour
  std::string base_host;  // per-server folder, host view ("" until first start)
  uint16_t port = 0;
  pid_t pid = 0;
  std::string version;
  bool keep = false;
  bool started_once = false;
  std::optional<SqlConnection> conn;

  std::string label() const {
    return std::string(flavor_name(options.flavor)) + (options.role == Role::kMaster ? " master" : " passive") +
           (port != 0 ? " on 127.0.0.1:" + std::to_string(port) : "");
  }
  // Host path -> the server's view (strip the chroot prefix).
  std::string server_view(const std::string& host_path) const {
    if (chroot.empty()) return host_path;
    if (host_path.rfind(chroot + "/", 0) == 0) return host_path.substr(chroot.size());
    return host_path;
  }
  std::string host_view(const std::string& server_path) const { return chroot + server_path; }
  std::string datadir_host() const { return base_host + "/data"; }
  std::string error_log() const { return base_host + "/error.log"; }
  std::string stdout_log() const { return base_host + "/stdout.log"; }

  std::string server_binary() const { return is_mysql(options.flavor) ? "/usr/sbin/mysqld" : "/usr/sbin/mariadbd"; }

  // argv prefix that runs a program of the flavour (inside its chroot).
  std::vector<std::string> command(const std::string& program) const {
    if (chroot.empty()) return {program};
    return {"/usr/sbin/chroot", chroot, program};
  }

  std::string logs_for_humans(size_t lines) const {
    std::string out = tail_of_file(error_log(), lines);
    const std::string early = tail_of_file(stdout_log(), 10);
    if (!early.empty()) out += "--- stdout/stderr:\n" + early;
    return out;
  }

  std::string pristine_dir() {
    const std::string key = std::string(flavor_name(options.flavor)) + "-" + binary_key(host_view(server_binary()));
    if (chroot.empty()) return cache_root() + "/pristine/" + key;
    return chroot + "/var/lib/galaxis-pristine/" + key;
  }

  // Initialises a datadir once per server build and caches it (atomically:
  // built in a temp folder, then renamed; a concurrent builder's result wins).
  std::string ensure_pristine() {
    std::string target = pristine_dir();
    if (fs::exists(target + "/.complete")) return target;
    const std::string parent = fs::path(target).parent_path().string();
    const std::string work = make_temp_dir(parent, "init-");
    const std::string data = work + "/data";
    const std::string log = work + "/init.log";
    std::vector<std::string> argv;
    if (is_mysql(options.flavor)) {
      // Root over TCP from 127.0.0.1 needs its own account (skip-name-resolve).
      write_file(work + "/init.sql",
                 "CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY '';\n"
                 "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n");
      argv = command(server_binary());
      for (const std::string& a : std::initializer_list<std::string>{
               "--no-defaults", "--initialize-insecure", "--user=root", "--datadir=" + server_view(data),
               "--init-file=" + server_view(work + "/init.sql"), "--log-error=" + server_view(log), "--disable-log-bin",
               "--innodb-redo-log-capacity=32M", "--mysqlx=OFF", "--secure-file-priv=/tmp"}) {
        argv.push_back(a);
      }
    } else {
      argv = command("/usr/bin/mariadb-install-db");
      for (const std::string& a : std::initializer_list<std::string>{
               "--no-defaults", "--force", "--user=root", "--datadir=" + server_view(data),
               "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
               "--innodb-log-file-size=16M", "--innodb-buffer-pool-size=32M"}) {
        argv.push_back(a);
      }
    }
    ProcessResult r = run_process(argv, 180);
    if (r.exit_code != 0) {
      std::string detail = r.err + r.out + tail_of_file(log, 20);
      if (detail.size() > 4000) detail = detail.substr(detail.size() - 4000);
      throw_error(Error::Kind::kRuntime,
                  "initialising a {} datadir in {} failed ({}):\n{}\nhint: is the chroot intact? "
                  "scripts/build-chroots --rebuild {}",
                  flavor_name(options.flavor), work, r.exit_code, detail, flavor_name(options.flavor));
    }
    write_file(data + "/.complete", "");
    std::error_code ec;
    fs::rename(data, target, ec);
    fs::remove_all(work, ec);
    if (!fs::exists(target + "/.complete")) {
      throw_error(Error::Kind::kIo, "could not create the pristine datadir {}", target);
    }
    return target;
  }

  // Datadirs kept for diagnosis would pile up over many runs: remove this
  // flavour's ones older than a day whose server is gone.
  static void remove_stale_datadirs(const std::string& parent, const std::string& prefix) {
    std::error_code ec;
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
    for (const fs::directory_entry& entry : fs::directory_iterator(parent, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0 || !entry.is_directory(ec)) continue;
      if (entry.last_write_time(ec) > cutoff || ec) continue;
      const std::string pid_text = read_file((entry.path() / "mysqld.pid").string());
      const long old_pid = std::atol(pid_text.c_str());
      if (old_pid > 0 && (kill(static_cast<pid_t>(old_pid), 0) == 0 || errno != ESRCH)) continue;
      fs::remove_all(entry.path(), ec);
    }
  }

  void prepare_datadir() {
    const std::string pristine = ensure_pristine();
    const std::string parent = chroot.empty() ? fs::temp_directory_path().string() : chroot + "/var/tmp";
    remove_stale_datadirs(parent, "galaxis-" + std::string(flavor_name(options.flavor)) + "-");
    base_host = make_temp_dir(parent, "galaxis-" + std::string(flavor_name(options.flavor)) + "-");
    std::error_code ec;
    fs::copy(pristine, datadir_host(), fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) throw_error(Error::Kind::kIo, "copying {} to {}: {}", pristine, datadir_host(), ec.message());
    fs::remove(datadir_host() + "/.complete", ec);
    fs::remove(datadir_host() + "/auto.cnf", ec);  // MySQL: each server gets its own server_uuid
  }

  std::vector<std::string> server_argv() const {
    std::vector<std::string> argv = command(server_binary());
    const std::string base = server_view(base_host);
    const bool mysql = is_mysql(options.flavor);
    const bool master = options.role == Role::kMaster;
    for (const std::string& a : std::initializer_list<std::string>{
             "--no-defaults", "--user=root", "--datadir=" + base + "/data", "--tmpdir=" + base,
             "--port=" + std::to_string(port), "--bind-address=127.0.0.1", "--skip-name-resolve",
             "--socket=" + base + "/mysqld.sock", "--pid-file=" + base + "/mysqld.pid",
             "--log-error=" + base + "/error.log", "--server-id=" + std::to_string(options.server_id),
             "--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
             "--performance-schema=OFF", "--max-connections=300"}) {
      argv.push_back(a);
    }
    if (mysql) {
      for (const char* a : {"--mysqlx=OFF", "--secure-file-priv=/tmp", "--innodb-redo-log-capacity=32M"}) {
        argv.emplace_back(a);
      }
    } else {
      argv.emplace_back("--innodb-log-file-size=16M");
    }
    if (master) {
      for (const char* a :
           {"--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL", "--binlog-checksum=CRC32"}) {
        argv.emplace_back(a);
      }
      if (mysql) {
        argv.emplace_back("--gtid-mode=ON");
        argv.emplace_back("--enforce-gtid-consistency=ON");
      }
    } else if (mysql) {
      argv.emplace_back("--disable-log-bin");  // MySQL logs by default; a passive does not
    }
    for (const std::string& a : options.extra_args) argv.push_back(a);
    return argv;
  }

  bool port_clash() const {
    const std::string log = read_file(error_log()) + read_file(stdout_log());
    return log.find("Address already in use") != std::string::npos ||
           log.find("already have another") != std::string::npos;
  }

  // One attempt: spawn and wait until SQL answers. Returns false on a port
  // clash (the caller picks another port); throws on any other failure.
  bool try_start() {
    std::error_code ec;
    fs::remove(error_log(), ec);
    fs::remove(stdout_log(), ec);
    pid = internal::spawn(server_argv(), stdout_log());
    const auto deadline = std::chrono::steady_clock::now() + seconds(options.start_timeout_seconds);
    std::string last_error;
    for (;;) {
      int status = 0;
      if (internal::has_exited(pid, &status)) {
        pid = 0;
        if (port_clash()) return false;
        keep = true;  // the exception unwinds before gtest records the failure
        throw_error(Error::Kind::kRuntime,
                    "{} exited during start ({}). Datadir: {}\nError log tail:\n{}hint: look for [ERROR] above; "
                    "for chroot flavours try scripts/build-chroots --rebuild {}",
                    label(), internal::describe_status(status), datadir_host(), logs_for_humans(25),
                    flavor_name(options.flavor));
      }
      try {
        SqlConnectOptions o;
        o.port = port;
        o.timeout_seconds = 5;
        SqlConnection c(o);
        version = c.query_value("SELECT VERSION()");
        conn.emplace(std::move(c));
        return true;
      } catch (const Error& e) {
        last_error = e.what();
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        const pid_t stuck = pid;
        internal::terminate(stuck, seconds(5));
        pid = 0;
        keep = true;
        throw_error(Error::Kind::kRuntime,
                    "{} did not accept connections within {} s (last error: {}); killed pid {}. Datadir kept: {}\n"
                    "Error log tail:\n{}",
                    label(), options.start_timeout_seconds, last_error, stuck, datadir_host(), logs_for_humans(25));
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->chroot = chroot_dir(impl_->options.flavor);
}

Server::~Server() {
  try {
    if (impl_->pid != 0) internal::terminate(impl_->pid, seconds(20));
    impl_->pid = 0;
    impl_->conn.reset();
    if (impl_->base_host.empty()) return;
    const bool failed = current_test_failed();
    if (impl_->keep || failed || env_flag("GALAXIS_KEEP_DATADIRS")) {
      std::cerr << "[harness] keeping the datadir of " << impl_->label() << ": " << impl_->base_host
                << (failed ? " (a test failed)" : "") << "\n";
      if (failed) std::cerr << "[harness] error log tail:\n" << impl_->logs_for_humans(15);
      return;
    }
    std::error_code ec;
    fs::remove_all(impl_->base_host, ec);
  } catch (const std::exception& e) {
    std::cerr << "[harness] stopping " << impl_->label() << ": " << e.what() << "\n";
  }
}

void Server::start() {
  if (impl_->pid != 0) {
    if (!internal::has_exited(impl_->pid)) return;  // already running
    impl_->pid = 0;                                 // it died on its own: start it again
    impl_->conn.reset();
  }
  with_context("starting " + impl_->label(), [&] {
    if (impl_->base_host.empty()) impl_->prepare_datadir();
    // A restart keeps its port (clients reconnect to the same URL); a first
    // start picks a free one and retries on a clash with another process.
    const bool keep_port = impl_->started_once;
    for (int attempt = 1;; ++attempt) {
      if (!keep_port) impl_->port = free_loopback_port();  // start() retries on a clash
      if (impl_->try_start()) break;
      if (keep_port || attempt == kMaxPortAttempts) {
        throw_error(Error::Kind::kRuntime, "port {} is taken by another process ({} attempts)\n{}", impl_->port,
                    attempt, impl_->logs_for_humans(10));
      }
    }
    impl_->started_once = true;
  });
}

void Server::stop() {
  impl_->conn.reset();
  if (impl_->pid == 0) return;
  internal::terminate(impl_->pid, seconds(30));
  impl_->pid = 0;
}

void Server::kill9() {
  impl_->conn.reset();
  if (impl_->pid == 0) return;
  kill(impl_->pid, SIGKILL);
  if (!internal::wait_for_exit(impl_->pid, seconds(30))) {
    throw_error(Error::Kind::kRuntime, "{}: pid {} still alive 30 s after SIGKILL", impl_->label(), impl_->pid);
  }
  impl_->pid = 0;
}

void Server::restart() {
  stop();
  start();
}

bool Server::running() const { return impl_->pid != 0 && !internal::has_exited(impl_->pid); }
pid_t Server::pid() const { return impl_->pid; }
uint16_t Server::port() const { return impl_->port; }
Flavor Server::flavor() const { return impl_->options.flavor; }
Role Server::role() const { return impl_->options.role; }
uint32_t Server::server_id() const { return impl_->options.server_id; }
std::string Server::version() const { return impl_->version; }

std::string Server::url(const std::string& user) const {
  return "mysql://" + user + "@127.0.0.1:" + std::to_string(impl_->port);
}

SqlConnectOptions Server::connect_options(const std::string& user, const std::string& password) const {
  SqlConnectOptions o;
  o.port = impl_->port;
  o.user = user;
  o.password = password;
  return o;
}

SqlConnection Server::connect(const std::string& user, const std::string& password) const {
  return SqlConnection(connect_options(user, password));
}

std::string Server::datadir_host_path() const { return impl_->datadir_host(); }
std::string Server::datadir_server_path() const { return impl_->server_view(impl_->datadir_host()); }
std::string Server::error_log_path() const { return impl_->error_log(); }
std::string Server::error_log_tail(size_t lines) const { return impl_->logs_for_humans(lines); }

void Server::exec(const std::string& sql) {
  if (!impl_->conn) impl_->conn.emplace(connect_options());
  impl_->conn->exec(sql);
}

SqlRows Server::query(const std::string& sql) {
  if (!impl_->conn) impl_->conn.emplace(connect_options());
  return impl_->conn->query(sql);
}

std::string Server::query_value(const std::string& sql) {
  if (!impl_->conn) impl_->conn.emplace(connect_options());
  return impl_->conn->query_value(sql);
}

std::vector<std::string> Server::binlog_files() {
  std::vector<std::string> files;
  for (const SqlRow& row : query("SHOW BINARY LOGS")) {
    if (!row.empty() && row[0]) files.push_back(impl_->datadir_host() + "/" + *row[0]);
  }
  return files;
}

BinlogStatus Server::binlog_status() {
  const bool mysql = is_mysql(impl_->options.flavor);
  SqlRows rows = query(mysql ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS");
  if (rows.empty() || rows[0].size() < 2 || !rows[0][0] || !rows[0][1]) {
    throw_error(Error::Kind::kServer, "{}: binary logging is off (no binlog status)", impl_->label());
  }
  BinlogStatus status;
  status.file = *rows[0][0];
  status.position = std::stoull(*rows[0][1]);
  status.gtid_set = query_value(mysql ? "SELECT @@GLOBAL.gtid_executed" : "SELECT @@GLOBAL.gtid_binlog_pos");
  return status;
}

std::string Server::run_binlog_tool(const std::vector<std::string>& args) const {
  const bool mysql = is_mysql(impl_->options.flavor);
  std::vector<std::string> argv = impl_->command(mysql ? "/usr/bin/mysqlbinlog" : "/usr/bin/mariadb-binlog");
  for (const std::string& arg : args) {
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      argv.push_back(arg.substr(0, eq + 1) + impl_->server_view(arg.substr(eq + 1)));
    } else {
      argv.push_back(impl_->server_view(arg));
    }
  }
  ProcessResult r = run_process(argv, 120);
  if (r.exit_code != 0) {
    throw_error(Error::Kind::kRuntime, "{} exited with {}: {}", argv[impl_->chroot.empty() ? 0 : 2], r.exit_code,
                r.err.substr(0, 4000));
  }
  return r.out;
}

void Server::create_user(const std::string& user, const std::string& password, const std::string& grants) {
  if (!impl_->conn) impl_->conn.emplace(connect_options());
  SqlConnection& c = *impl_->conn;
  const std::string account = c.quote(user) + "@'%'";
  c.exec("DROP USER IF EXISTS " + account);
  try {
    c.exec("CREATE USER " + account + " IDENTIFIED BY " + c.quote(password));
  } catch (const Error& e) {
    // The statement holds the password: report without it.
    throw Error(e.kind(), "CREATE USER " + account + " on " + impl_->label() + " failed");
  }
  c.exec("GRANT " + grants + " TO " + account);
}

void Server::keep_datadir() { impl_->keep = true; }
void Server::discard_datadir() { impl_->keep = false; }

}  // namespace galaxis::testing
