// Value fidelity through `sync` (issue #14, values), with the CLI binary and
// the restricted users: `sync --mode copy` of the fidelity table
// (tests/integration/support/fidelity_values.h) ends byte-for-byte equal;
// then the passive is made to differ in one value per column — NULL vs a
// value, and a subtle change (NULL vs '', 'a' vs 'a ', -0.0 vs 0.0, a pad
// byte, one bit, one digit) — and `sync --mode checksum --dry-run` must
// report every changed row, the row hash must differ for each of them, and a
// real checksum run must repair them all (oracle: the master's rows, HEX per
// column).
#include <gtest/gtest.h>

#include "../support/fidelity_values.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/schema_cache.h"
#include "galaxis/sql/sync/table.h"
#include "sync_support.h"

namespace galaxis::testing {
namespace {

class FidelityValuesSyncTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    master_ = &shared_server(GetParam(), Role::kMaster);
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_sync_users(*master_, *passive_);
    export_sync_passwords();
  }
  Server* master_ = nullptr;
  Server* passive_ = nullptr;
};

std::string line_with(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  return text.substr(at, text.find('\n', at) - at);
}

TEST_P(FidelityValuesSyncTest, CopyIsExactAndChecksumFindsAndRepairsEveryDivergence) {
  const Flavor flavor = GetParam();
  const auto cols = fidelity::columns(flavor, /*for_sync=*/true);
  std::cout << "[ fidelity ] " << flavor_name(flavor) << ": " << cols.size()
            << " value columns; not on this flavour: " << fidelity::skipped(flavor) << "\n";
  const std::string db = "fid_values_sync";
  master_->exec(fidelity::setup_sql(flavor, db, true));
  master_->exec(fidelity::workload_sql(flavor, db, true));
  // Rows for the divergences: two per column holding values[0] everywhere.
  const size_t total = fidelity::rows(cols);
  std::string extra = "SET SESSION sql_mode = '', time_zone = '+00:00';";
  for (size_t k = 0; k < cols.size(); ++k) {
    for (size_t j = 0; j < 2; ++j) {
      std::string sql = fidelity::insert_sql(cols, "`" + db + "`.k", 1, 0, total);
      sql.replace(sql.find("VALUES (1,"), 10, "VALUES (" + std::to_string(2000 + 2 * k + j) + ",");
      extra += sql;
    }
  }
  master_->exec(extra);
  passive_->exec("DROP DATABASE IF EXISTS " + db);

  const std::vector<std::string> common = {"--include", db, "--stream", db, "--progress-interval", "0"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> all = common;
    all.insert(all.end(), more.begin(), more.end());
    return sync_argv(*master_, *passive_, all);
  };
  ProcessResult copy = run_process(with({"--mode", "copy", "--chunk-rows", "7"}), 120);
  ASSERT_EQ(copy.exit_code, 0) << copy.out << copy.err;
  EXPECT_EQ(fidelity::diff(*master_, *passive_, flavor, db, true), "");
  EXPECT_EQ(compare_databases(*master_, db, *passive_, db), "");
  ProcessResult clean = run_process(with({"--mode", "checksum", "--dry-run"}), 120);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  // One divergence per column and row: the subtle value in row 2000+2k, NULL
  // (or another value for NOT NULL columns) in row 2001+2k.
  std::string inject = "SET SESSION sql_mode = '', time_zone = '+00:00';";
  for (size_t k = 0; k < cols.size(); ++k) {
    const std::string column = "`c_" + cols[k].name + "`";
    inject += fmt::format("UPDATE `{}`.k SET {} = {} WHERE id = {};", db, column, cols[k].subtle, 2000 + 2 * k);
    const std::string other = cols[k].nullable ? "NULL" : cols[k].values[1 % cols[k].values.size()];
    inject += fmt::format("UPDATE `{}`.k SET {} = {} WHERE id = {};", db, column, other, 2001 + 2 * k);
  }
  // The keyless table: one row changed in a subtle value, one row gone.
  inject += fmt::format(
      "UPDATE `{0}`.n SET c_vc = CONCAT(c_vc, ' ') WHERE id = 2 AND c_vc IS NOT NULL;"
      "DELETE FROM `{0}`.n WHERE id = 4;",
      db);
  passive_->exec(inject);

  // The oracle sees each injected row differ (else the test's values are wrong) ...
  sql::Connection source(sync_url(*master_, kSyncSourceUser, kSyncSourcePassword));
  sql::Connection target(sync_url(*passive_, kSyncTargetUser, kSyncTargetPassword));
  for (sql::Connection* c : {&source, &target}) c->exec("SET time_zone = '+00:00'");
  sql::SchemaCache schemas(&source);
  const sql::sync::SyncTable table = sql::sync::make_sync_table(schemas.get(db, "k"), db);
  const std::string hash = sql::sync::row_hash_expression(table);
  size_t injected = 0;
  for (size_t k = 0; k < cols.size(); ++k) {
    for (size_t j = 0; j < 2; ++j) {
      const size_t id = 2000 + 2 * k + j;
      const std::string value = fmt::format(fmt::runtime(cols[k].compare), "`c_" + cols[k].name + "`");
      const std::string one = fmt::format("SELECT {} FROM `{}`.k WHERE id = {}", value, db, id);
      const auto m = master_->query(one), p = passive_->query(one);
      ASSERT_NE(m, p) << "the divergence injected in c_" << cols[k].name << " (row " << id
                      << ") is not a different stored value";
      ++injected;
      // ... and so must the checksum's row hash.
      const std::string row_hash = fmt::format("SELECT {} FROM `{}`.k WHERE id = {}", hash, db, id);
      EXPECT_NE(source.query(row_hash), target.query(row_hash))
          << "the checksum row hash does not see c_" << cols[k].name << " (" << cols[k].type << ") differ in row " << id
          << ": master " << (m[0][0] ? *m[0][0] : "NULL") << " passive " << (p[0][0] ? *p[0][0] : "NULL");
    }
  }

  ProcessResult dry = run_process(with({"--mode", "checksum", "--dry-run"}), 120);
  EXPECT_EQ(dry.exit_code, 3) << dry.out << dry.err;
  EXPECT_EQ(line_with(dry.out, "`" + db + "`.`k`:"),
            fmt::format("`{}`.`k`: rows missing 0, extra 0, changed {}", db, injected))
      << dry.out;
  EXPECT_EQ(line_with(dry.out, "`" + db + "`.`n`:"), fmt::format("`{}`.`n`: rows missing 2, extra 1, changed 0", db))
      << dry.out;

  ProcessResult repair = run_process(with({"--mode", "checksum"}), 120);
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_EQ(fidelity::diff(*master_, *passive_, flavor, db, true), "");
  EXPECT_EQ(compare_databases(*master_, db, *passive_, db), "");
  ProcessResult again = run_process(with({"--mode", "checksum", "--dry-run"}), 120);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

INSTANTIATE_TEST_SUITE_P(Flavors, FidelityValuesSyncTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
