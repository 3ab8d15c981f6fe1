#include "galaxis/testing/flavor.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace galaxis::testing {

namespace fs = std::filesystem;

std::string_view flavor_name(Flavor flavor) {
  switch (flavor) {
    case Flavor::kMariaDB1011: return "mariadb-10.11";
    case Flavor::kMariaDB118: return "mariadb-11.8";
    case Flavor::kMySQL97: return "mysql-9.7";
  }
  return "unknown-flavor";
}

std::string flavor_test_name(Flavor flavor) {
  std::string name(flavor_name(flavor));
  for (char& c : name) {
    if (c == '-' || c == '.') c = '_';
  }
  return name;
}

std::vector<Flavor> all_flavors() { return {Flavor::kMariaDB1011, Flavor::kMariaDB118, Flavor::kMySQL97}; }

bool is_mysql(Flavor flavor) { return flavor == Flavor::kMySQL97; }
bool is_mariadb(Flavor flavor) { return !is_mysql(flavor); }

std::string chroot_root() {
  const char* env = std::getenv("GALAXIS_CHROOT_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("/var/cache/galaxis-relay/chroots");
}

std::string chroot_dir(Flavor flavor) {
  if (flavor == Flavor::kMariaDB1011) return "";
  return chroot_root() + "/" + std::string(flavor_name(flavor));
}

namespace {

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool native_available(std::string* why) {
  for (const char* path : {"/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb-binlog"}) {
    if (!fs::exists(path)) {
      if (why != nullptr) {
        *why = std::string(path) + " is missing: run scripts/install-deps (installs mariadb-server and mariadb-client)";
      }
      return false;
    }
  }
  return true;
}

bool chroot_available(Flavor flavor, std::string* why) {
  const fs::path dir = chroot_dir(flavor);
  const std::string name(flavor_name(flavor));
  std::error_code ec;
  if (fs::exists(dir / ".galaxis-chroot", ec)) {
    const char* server = is_mysql(flavor) ? "usr/sbin/mysqld" : "usr/sbin/mariadbd";
    if (fs::exists(dir / server, ec)) return true;
    if (why != nullptr)
      *why = "chroot " + dir.string() + " has no /" + server + ": run scripts/build-chroots --rebuild " + name;
    return false;
  }
  if (why != nullptr) {
    const fs::path failed = chroot_root() + "/" + name + ".failed";
    if (fs::exists(failed, ec)) {
      *why = "building the chroot failed: " + read_small_file(failed);
    } else {
      *why = "no chroot at " + dir.string() + ": run scripts/build-chroots (as root; about a minute, cached)";
    }
  }
  return false;
}

}  // namespace

bool flavor_available(Flavor flavor, std::string* why) {
  if (flavor == Flavor::kMariaDB1011) return native_available(why);
  return chroot_available(flavor, why);
}

}  // namespace galaxis::testing
