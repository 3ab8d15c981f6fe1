#include "sync_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdlib>

#include "galaxis/sql/applier.h"

extern char** environ;

namespace galaxis::testing {

void ensure_sync_users(Server& master, Server& passive) {
  if (master.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kSyncSourceUser + "'") ==
      "0") {
    master.create_user(kSyncSourceUser, kSyncSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  }
  if (passive.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kSyncTargetUser + "'") ==
      "0") {
    passive.create_user(kSyncTargetUser, kSyncTargetPassword, kSyncTargetGrants);
  }
}

sql::sync::SyncOptions sync_options(Server& master, Server& passive) {
  sql::sync::SyncOptions options;
  options.source = sync_url(master, kSyncSourceUser, kSyncSourcePassword);
  options.target = sync_url(passive, kSyncTargetUser, kSyncTargetPassword);
  options.progress_interval = std::chrono::milliseconds(0);
  return options;
}

std::vector<std::string> sync_argv(Server& master, Server& passive, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {
      GALAXIS_BINARY, "sync",
      "--source",     "mysql://" + std::string(kSyncSourceUser) + "@127.0.0.1:" + std::to_string(master.port()),
      "--target",     "mysql://" + std::string(kSyncTargetUser) + "@127.0.0.1:" + std::to_string(passive.port())};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

void export_sync_passwords() {
  setenv("GALAXIS_SOURCE_PASSWORD", kSyncSourcePassword, 1);
  setenv("GALAXIS_TARGET_PASSWORD", kSyncTargetPassword, 1);
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw_error(Error::Kind::kRuntime, "cannot start {}: {}", argv[0], rc);
  return pid;
}

size_t stream_from_checkpoint(Server& master, Server& passive, const std::string& stream,
                              const std::vector<std::string>& include) {
  sql::ApplierOptions applier_options;
  applier_options.stream = stream;
  applier_options.filter.include = include;
  sql::Applier applier(sql::Connection(sync_url(passive, kSyncTargetUser, kSyncTargetPassword)), applier_options);
  if (!applier.committed_position()) throw_error(Error::Kind::kRuntime, "stream {} has no checkpoint", stream);
  const binlog::BinlogPosition from = *applier.committed_position();
  return stream_into_applier(sync_url(master, kSyncSourceUser, kSyncSourcePassword), 6161, from, applier);
}

}  // namespace galaxis::testing
