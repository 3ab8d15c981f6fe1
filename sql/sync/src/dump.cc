#include "galaxis/sql/sync/dump.h"

#include <fmt/format.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "galaxis/common/log.h"
#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/filter.h"
#include "galaxis/sql/query_text.h"
#include "galaxis/sql/sync/chunk_reader.h"
#include "galaxis/sql/sync/chunk_writer.h"
#include "galaxis/sql/sync/progress.h"
#include "galaxis/sql/sync/schema_copy.h"

namespace galaxis::sql::sync {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "galaxis-relay-dump";

std::string chunk_file_name(size_t table_index, uint64_t chunk) {
  return fmt::format("t{:04}.c{:06}.zst", table_index, chunk);
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw_error(Error::Kind::kIo, "writing {}: failed", path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(Error::Kind::kIo, "cannot open {}", path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class DumpSink : public ChunkSink {
 public:
  DumpSink(fs::path dir, const std::map<const SyncTable*, size_t>* index) : dir_(std::move(dir)), index_(index) {}
  void write(ChunkJob& job) override {
    std::string text;
    for (const std::string& group : job.value_groups) {
      text += group;
      text += '\n';
    }
    std::string compressed(ZSTD_compressBound(text.size()), '\0');
    const size_t n = ZSTD_compress(compressed.data(), compressed.size(), text.data(), text.size(), 3);
    if (ZSTD_isError(n)) throw_error(Error::Kind::kRuntime, "zstd: {}", ZSTD_getErrorName(n));
    compressed.resize(n);
    write_file(dir_ / chunk_file_name(index_->at(job.table), job.chunk.number), compressed);
  }

 private:
  fs::path dir_;
  const std::map<const SyncTable*, size_t>* index_;
};

std::string decompress(const std::string& compressed, const fs::path& path) {
  const unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ULL << 34)) {
    throw_error(Error::Kind::kCorrupt, "{}: not a zstd frame with a known size", path.string());
  }
  std::string out(size, '\0');
  const size_t n = ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n) || n != size) throw_error(Error::Kind::kCorrupt, "{}: corrupt zstd data", path.string());
  return out;
}

}  // namespace

void write_dump(const SyncOptions& options, Connection& source, const std::vector<SyncTable>& tables,
                SyncResult* result) {
  const fs::path dir(options.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw_error(Error::Kind::kIo, "creating {}: {}", dir.string(), ec.message());
  if (fs::exists(dir / "manifest.json")) {
    throw_error(Error::Kind::kIo, "{} already holds a dump (manifest.json); choose an empty directory", dir.string());
  }
  std::map<const SyncTable*, size_t> index;
  for (size_t i = 0; i < tables.size(); ++i) index[&tables[i]] = i;

  json manifest;
  manifest["format"] = kFormat;
  manifest["version"] = 1;
  manifest["source_version"] = source.server_version();
  manifest["position"] = {
      {"file", result->position.file}, {"offset", result->position.offset}, {"gtid", result->position.gtid_executed}};
  json table_list = json::array();
  std::vector<json> chunk_lists(tables.size(), json::array());

  ProgressReporter progress("sync dump", options.progress_interval);
  for (const SyncTable& t : tables) progress.add_table(t.source_name(), t.estimated_rows);
  WriterPool pool(
      options.threads, [&] { return std::make_unique<DumpSink>(dir, &index); },
      std::max<uint64_t>(options.chunk_bytes, 1 << 20) * (options.threads + 1), &progress);
  ChunkLimits limits;
  limits.chunk_rows = std::max<uint64_t>(1, options.chunk_rows);
  limits.chunk_bytes = std::max<uint64_t>(1024, options.chunk_bytes);
  limits.statement_bytes = std::max<uint64_t>(1024, options.statement_bytes);
  ChunkReader reader(source, limits);
  for (size_t i = 0; i < tables.size(); ++i) {
    const SyncTable& table = tables[i];
    Rows show = source.query("SHOW CREATE TABLE " + table.source_name());
    json entry;
    entry["database"] = table.database;
    entry["table"] = table.table;
    entry["create"] = show.at(0).at(1).value_or("");
    json columns = json::array();
    for (const SyncColumn& c : table.columns) columns.push_back(c.name);
    entry["columns"] = columns;
    uint64_t number = 1;
    reader.read_range(table, std::nullopt, std::nullopt, true, &number, [&](ChunkJob&& job) {
      chunk_lists[i].push_back({{"file", chunk_file_name(i, job.chunk.number)}, {"rows", job.rows}});
      result->rows_copied += job.rows;
      ++result->chunks_copied;
      pool.submit(std::move(job));
    });
    progress.table_done(table.source_name());
    entry["chunks"] = chunk_lists[i];
    table_list.push_back(entry);
  }
  pool.finish();
  progress.finish();
  manifest["tables"] = table_list;
  write_file(dir / "manifest.json.tmp", manifest.dump(2));
  fs::rename(dir / "manifest.json.tmp", dir / "manifest.json", ec);
  if (ec) throw_error(Error::Kind::kIo, "renaming the manifest in {}: {}", dir.string(), ec.message());
  log::info("sync: dump of {} tables, {} rows written to {} (position {})", tables.size(), result->rows_copied,
            dir.string(), result->position.to_string());
}

namespace {
SyncResult restore_dump_unchecked(const SyncOptions& options);
}  // namespace

SyncResult restore_dump(const SyncOptions& options) {
  try {
    return restore_dump_unchecked(options);
  } catch (const json::exception& e) {
    throw_error(Error::Kind::kCorrupt, "{}: malformed manifest: {}",
                (fs::path(options.in_dir) / "manifest.json").string(), e.what());
  }
}

namespace {
SyncResult restore_dump_unchecked(const SyncOptions& options) {
  const fs::path dir(options.in_dir);
  SyncResult result;
  json manifest;
  try {
    manifest = json::parse(read_file(dir / "manifest.json"));
    if (manifest.at("format") != kFormat) throw_error(Error::Kind::kCorrupt, "not a galaxis-relay dump");
    result.position.file = manifest.at("position").at("file").get<std::string>();
    result.position.offset = manifest.at("position").at("offset").get<uint64_t>();
    result.position.gtid_executed = manifest.at("position").at("gtid").get<std::string>();
  } catch (const json::exception& e) {
    throw_error(Error::Kind::kCorrupt, "{}: malformed manifest: {}", (dir / "manifest.json").string(), e.what());
  }
  FilterOptions filter_options = options.filter;
  filter_options.checkpoint_schema = options.checkpoint_schema;
  Filter filter(filter_options);
  ConnectOptions connect;
  connect.role = "target";
  Connection target(options.target, connect);
  target.exec(writer_session_sql());

  std::vector<SyncTable> tables;
  std::vector<std::vector<std::pair<std::string, uint64_t>>> files;
  for (const json& entry : manifest.at("tables")) {
    SyncTable table;
    table.database = entry.at("database").get<std::string>();
    table.table = entry.at("table").get<std::string>();
    if (!filter.table_included(table.database, table.table)) continue;
    table.target_database = filter.target_database(table.database);
    for (const json& c : entry.at("columns")) {
      SyncColumn column;
      column.name = c.get<std::string>();
      table.columns.push_back(column);
    }
    std::string ddl = entry.at("create").get<std::string>();
    if (table.target_database != table.database) ddl = rename_database(ddl, table.database, table.target_database);
    with_context("creating " + table.target_name(), [&] {
      target.exec("CREATE DATABASE IF NOT EXISTS " + quote_identifier(table.target_database));
      if (!target
               .query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                            target.quote(table.target_database) + " AND TABLE_NAME = " + target.quote(table.table))
               .value_or("0")
               .starts_with("0")) {
        if (target.query_value("SELECT 1 FROM " + table.target_name() + " LIMIT 1")) {
          throw_error(Error::Kind::kRuntime, "target table {} already has rows; restore into empty tables",
                      table.target_name());
        }
      } else {
        target.exec("USE " + quote_identifier(table.target_database) + "; " + ddl);
      }
    });
    std::vector<std::pair<std::string, uint64_t>> chunk_files;
    for (const json& chunk : entry.at("chunks")) {
      chunk_files.emplace_back(chunk.at("file").get<std::string>(), chunk.at("rows").get<uint64_t>());
    }
    tables.push_back(std::move(table));
    files.push_back(std::move(chunk_files));
  }
  result.tables = tables.size();

  ProgressReporter progress("sync restore", options.progress_interval);
  WriterPool pool(
      options.threads,
      [&] {
        ConnectOptions c;
        c.role = "target";
        return std::make_unique<TargetSink>(Connection(options.target, c));
      },
      std::max<uint64_t>(options.chunk_bytes, 1 << 20) * (options.threads + 1), &progress);
  for (size_t i = 0; i < tables.size(); ++i) {
    uint64_t number = 0;
    for (const auto& [name, rows] : files[i]) {
      const fs::path path = dir / name;
      std::string text = decompress(read_file(path), path);
      ChunkJob job;
      job.table = &tables[i];
      job.chunk.number = ++number;
      size_t start = 0;
      while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) job.value_groups.emplace_back(text.substr(start, end - start));
        start = end + 1;
      }
      job.bytes = text.size();
      job.rows = rows;
      result.rows_copied += rows;
      ++result.chunks_copied;
      pool.submit(std::move(job));
    }
  }
  pool.finish();
  progress.finish();
  if (options.write_checkpoint) {
    CheckpointStore checkpoint(options.checkpoint_schema, options.stream);
    checkpoint.ensure_table(target);
    target.exec(checkpoint.update_statement(result.position, false));
    log::info("sync: restored {} tables from {}; checkpoint of stream '{}' set to {}", tables.size(), dir.string(),
              options.stream, result.position.to_string());
  }
  return result;
}
}  // namespace

}  // namespace galaxis::sql::sync
