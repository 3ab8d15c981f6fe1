// `galaxis-relay sync`: the fallback copy / checksum sync. Wiring only:
// flags → sql::sync::SyncOptions → sql::sync::run_sync(); prints the
// summary (and per-table differences) and maps "differences found" in a
// dry run to exit code 3.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "connection_options.h"
#include "galaxis/common/error.h"
#include "galaxis/sql/sync/sync.h"

namespace galaxis::cli {
namespace {

struct SyncFlags {
  std::string mode = "copy";
  unsigned threads = 2;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::vector<std::string> rename_db;
  bool dry_run = false;
  bool drop_extra = false;
  std::string out_dir;
  std::string in_dir;
  uint64_t chunk_rows = 0;  // 0: the mode's default
  std::string checkpoint_schema = "galaxis_relay";
  std::string stream = "default";
  bool no_checkpoint = false;
  double progress_seconds = 2;
};

void print_differences(const sql::sync::SyncResult& result) {
  for (const auto& d : result.differences) {
    if (d.table_extra) {
      std::printf("%s: only on the target\n", d.table.c_str());
    } else {
      std::printf("%s:%s rows missing %llu, extra %llu, changed %llu\n", d.table.c_str(),
                  d.table_missing ? " table missing on the target;" : "", static_cast<unsigned long long>(d.missing),
                  static_cast<unsigned long long>(d.extra), static_cast<unsigned long long>(d.changed));
    }
  }
}

}  // namespace

void register_sync_command(CLI::App& app, int* exit_code) {
  CLI::App* sync = app.add_subcommand(
      "sync", "Bring the passive in line with a consistent snapshot of the master (copy or checksum+repair)");
  auto source = std::make_shared<ConnectionOption>(*sync, "source", false);
  auto target = std::make_shared<ConnectionOption>(*sync, "target", false);
  auto flags = std::make_shared<SyncFlags>();
  sync->add_option("--mode", flags->mode,
                   "copy: chunked consistent copy; checksum: compare and repair only what differs")
      ->capture_default_str()
      ->check(CLI::IsMember({"copy", "checksum"}));
  sync->add_option("--threads", flags->threads, "target writer connections")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  sync->add_option("--include", flags->include, "only db or db.table (wildcards; repeatable)");
  sync->add_option("--exclude", flags->exclude, "skip db or db.table (wildcards; repeatable)");
  sync->add_option("--rename-db", flags->rename_db, "src:dst — source database src lands as dst (repeatable)");
  sync->add_flag("--dry-run", flags->dry_run, "checksum: only report differences (exit 3 when there are any)");
  sync->add_flag("--drop-extra", flags->drop_extra, "checksum: drop target tables the source does not have");
  auto* out = sync->add_option("--out", flags->out_dir, "copy into zstd chunk files + manifest.json in DIR");
  auto* in = sync->add_option("--in", flags->in_dir, "restore a dump made with --out DIR onto the target");
  out->excludes(in);
  sync->add_option("--chunk-rows", flags->chunk_rows, "rows per chunk (default: copy 10000, checksum 1000)");
  sync->add_option("--checkpoint-schema", flags->checkpoint_schema, "schema of the checkpoint table on the target")
      ->capture_default_str();
  sync->add_option("--stream", flags->stream, "checkpoint stream name (the one `run` uses)")->capture_default_str();
  sync->add_flag("--no-checkpoint", flags->no_checkpoint, "do not set the checkpoint at the end");
  sync->add_option("--progress-interval", flags->progress_seconds, "seconds between progress lines (0: none)")
      ->capture_default_str();

  sync->callback([source, target, flags, exit_code] {
    sql::sync::SyncOptions options;
    options.mode = flags->mode == "checksum" ? sql::sync::SyncMode::kChecksum : sql::sync::SyncMode::kCopy;
    if (flags->in_dir.empty() && !source->given()) throw Error(Error::Kind::kUsage, "--source is required");
    if (flags->out_dir.empty() && !target->given()) throw Error(Error::Kind::kUsage, "--target is required");
    if (flags->dry_run && options.mode != sql::sync::SyncMode::kChecksum) {
      throw Error(Error::Kind::kUsage, "--dry-run applies to --mode checksum");
    }
    if ((!flags->out_dir.empty() || !flags->in_dir.empty()) && options.mode != sql::sync::SyncMode::kCopy) {
      throw Error(Error::Kind::kUsage, "--out/--in apply to --mode copy");
    }
    if (source->given()) options.source = source->resolve();
    if (target->given()) options.target = target->resolve();
    options.filter.include = flags->include;
    options.filter.exclude = flags->exclude;
    for (const std::string& spec : flags->rename_db) options.filter.rename_db.insert(sql::parse_rename(spec));
    options.threads = flags->threads;
    options.chunk_rows =
        flags->chunk_rows != 0 ? flags->chunk_rows : (options.mode == sql::sync::SyncMode::kCopy ? 10000 : 1000);
    options.dry_run = flags->dry_run;
    options.drop_extra = flags->drop_extra;
    options.out_dir = flags->out_dir;
    options.in_dir = flags->in_dir;
    options.checkpoint_schema = flags->checkpoint_schema;
    options.stream = flags->stream;
    options.write_checkpoint = !flags->no_checkpoint;
    options.progress_interval = std::chrono::milliseconds(static_cast<int64_t>(flags->progress_seconds * 1000));

    const sql::sync::SyncResult result = sql::sync::run_sync(options);
    if (options.mode == sql::sync::SyncMode::kCopy) {
      std::printf("sync copy: %llu tables, %llu rows in %llu chunks (%llu done earlier) in %.1fs; position %s%s%s\n",
                  static_cast<unsigned long long>(result.tables), static_cast<unsigned long long>(result.rows_copied),
                  static_cast<unsigned long long>(result.chunks_copied),
                  static_cast<unsigned long long>(result.chunks_resumed), result.seconds,
                  result.position.to_string().c_str(), result.position.gtid_executed.empty() ? "" : " gtid ",
                  result.position.gtid_executed.c_str());
      *exit_code = 0;
      return;
    }
    print_differences(result);
    std::printf(
        "sync checksum%s: %llu tables, %llu chunks compared, %llu differing, %zu tables with differences in "
        "%.1fs; position %s\n",
        options.dry_run ? " (dry run)" : "", static_cast<unsigned long long>(result.tables),
        static_cast<unsigned long long>(result.chunks_compared),
        static_cast<unsigned long long>(result.chunks_differing), result.differences.size(), result.seconds,
        result.position.to_string().c_str());
    *exit_code = options.dry_run && result.any_difference() ? 3 : 0;
  });
}

}  // namespace galaxis::cli
