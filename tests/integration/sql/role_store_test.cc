// The role row round-trips through a real server as the restricted target
// user writes it: positions, epoch, NULLs for a server without binlog, and
// "never set" when neither the table nor the row exists.
#include "galaxis/sql/role_store.h"

#include <gtest/gtest.h>

#include "apply_support.h"

namespace galaxis::testing {
namespace {

class RoleStoreTest : public MasterPassiveTest {};

TEST_P(RoleStoreTest, RowRoundTripsAndAbsentMeansNeverSet) {
  sql::Connection target = target_connection(*passive_);
  passive_->exec("DROP DATABASE IF EXISTS rs_meta");
  const sql::RoleStore store("rs_meta", "rs_pair");
  EXPECT_FALSE(store.load(target).has_value()) << "no schema yet";
  passive_->exec("CREATE DATABASE rs_meta");
  EXPECT_FALSE(store.load(target).has_value()) << "schema without the role table";
  // Any other failure is an error, not "never set": a role table of another shape (1054).
  passive_->exec("DROP DATABASE IF EXISTS rs_bad; CREATE DATABASE rs_bad; CREATE TABLE rs_bad.role (pair INT)");
  EXPECT_THROW(sql::RoleStore("rs_bad", "rs_pair").load(target), Error);
  store.ensure_table(target);
  EXPECT_FALSE(store.load(target).has_value()) << "table without the pair's row";

  sql::RoleRecord promoted;
  promoted.role = sql::ServerRole::kActive;
  promoted.epoch = 7;
  promoted.promoted_source = binlog::BinlogPosition{"master-bin.000042", 123456789, "0-1-99"};
  promoted.changed_by = "host-b promote";
  store.store(target, promoted);

  std::optional<sql::RoleRecord> back = store.load(target);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->role, sql::ServerRole::kActive);
  EXPECT_EQ(back->epoch, 7u);
  ASSERT_TRUE(back->promoted_source.has_value());
  EXPECT_EQ(back->promoted_source->to_string(), "master-bin.000042:123456789");
  EXPECT_EQ(back->promoted_source->gtid_executed, "0-1-99");
  EXPECT_FALSE(back->own_binlog.has_value()) << "a passive without binlog records NULLs";
  EXPECT_EQ(back->changed_by, "host-b promote");
  EXPECT_FALSE(back->changed_at.empty());

  promoted.role = sql::ServerRole::kFenced;
  promoted.epoch = 8;
  promoted.own_binlog = binlog::BinlogPosition{"passive-bin.000003", 4, ""};
  store.store(target, promoted);
  back = store.load(target);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->role, sql::ServerRole::kFenced);
  EXPECT_EQ(back->epoch, 8u);
  ASSERT_TRUE(back->own_binlog.has_value());
  EXPECT_EQ(back->own_binlog->to_string(), "passive-bin.000003:4");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM rs_meta.role"), "1") << "one row per pair";

  EXPECT_EQ(sql::parse_role("passive"), sql::ServerRole::kPassive);
  EXPECT_THROW(sql::parse_role("Active"), Error);
}

INSTANTIATE_TEST_SUITE_P(Flavors, RoleStoreTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
