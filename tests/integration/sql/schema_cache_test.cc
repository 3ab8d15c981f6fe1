// SchemaCache against real servers, read as the restricted target user:
// every unique key (functional parts opaque, prefix lengths), column collations,
// the engine and whether it is transactional, foreign keys — what parallel
// apply (write_set.h) decides conflicts and barriers on.
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/sql/schema_cache.h"

namespace galaxis::testing {
namespace {

class SchemaCacheTest : public MasterPassiveTest {
 protected:
};

const sql::UniqueKey* find_key(const sql::TableSchema& table, const std::string& name) {
  for (const sql::UniqueKey& key : table.unique_keys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

TEST_P(SchemaCacheTest, LoadsUniqueKeysCollationsEngineAndForeignKeys) {
  const bool mysql = is_mysql(GetParam());
  passive_->exec(
      "DROP DATABASE IF EXISTS sc_keys; CREATE DATABASE sc_keys;"
      "CREATE TABLE sc_keys.t (id INT NOT NULL, email VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
      " NOT NULL, code VARBINARY(16) NULL, tag VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,"
      " bn BINARY(4) NULL, n INT NULL, body TEXT CHARACTER SET latin1 COLLATE latin1_bin NULL,"
      " PRIMARY KEY (id), UNIQUE KEY u_email (email), UNIQUE KEY a_code_tag (code, tag),"
      " UNIQUE KEY z_prefix (tag(5)), KEY plain (n)) ENGINE=InnoDB");
  if (mysql) passive_->exec("ALTER TABLE sc_keys.t ADD UNIQUE KEY m_fn ((n + 1))");
  passive_->exec(
      "CREATE TABLE sc_keys.my (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;"
      "CREATE TABLE sc_keys.nokey (a INT, b VARCHAR(5)) ENGINE=InnoDB;"
      "CREATE TABLE sc_keys.parent (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE sc_keys.child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES sc_keys.parent (id)"
      " ON DELETE CASCADE) ENGINE=InnoDB;"
      "CREATE TABLE sc_keys.p2 (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE sc_keys.c2 (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES sc_keys.p2 (id)) ENGINE=InnoDB;"
      "DROP DATABASE IF EXISTS sc_keys2; CREATE DATABASE sc_keys2;"
      "CREATE TABLE sc_keys2.grandchild (id INT PRIMARY KEY, c INT, FOREIGN KEY (c) REFERENCES sc_keys.child (id))"
      " ENGINE=InnoDB;"
      "CREATE TABLE sc_keys.part (id INT NOT NULL, u INT NOT NULL, UNIQUE KEY uu (u, id)) ENGINE=InnoDB"
      " PARTITION BY HASH (id) PARTITIONS 2");

  sql::Connection connection = target_connection(*passive_);
  sql::SchemaCache cache(&connection);
  const sql::TableSchema& t = cache.get("sc_keys", "t");

  // Unique keys: PRIMARY first, then by name; the plain index is not one.
  std::vector<std::string> names;
  for (const sql::UniqueKey& key : t.unique_keys) names.push_back(key.name);
  std::vector<std::string> expected = {"PRIMARY", "a_code_tag", "u_email", "z_prefix"};
  if (mysql) expected = {"PRIMARY", "a_code_tag", "m_fn", "u_email", "z_prefix"};
  EXPECT_EQ(names, expected);
  ASSERT_NE(find_key(t, "PRIMARY"), nullptr);
  EXPECT_EQ(find_key(t, "PRIMARY")->columns, std::vector<size_t>{0});
  EXPECT_FALSE(find_key(t, "PRIMARY")->opaque);
  ASSERT_NE(find_key(t, "a_code_tag"), nullptr);
  EXPECT_EQ(find_key(t, "a_code_tag")->columns, (std::vector<size_t>{2, 3}));
  EXPECT_FALSE(find_key(t, "a_code_tag")->opaque);
  ASSERT_NE(find_key(t, "u_email"), nullptr);
  EXPECT_EQ(find_key(t, "u_email")->columns, std::vector<size_t>{1});
  ASSERT_NE(find_key(t, "z_prefix"), nullptr);
  EXPECT_EQ(find_key(t, "z_prefix")->columns, std::vector<size_t>{3});
  EXPECT_FALSE(find_key(t, "z_prefix")->opaque);
  EXPECT_EQ(find_key(t, "z_prefix")->prefix_lengths, std::vector<uint32_t>{5}) << "characters, not bytes";
  EXPECT_TRUE(find_key(t, "a_code_tag")->prefix_lengths.empty());
  if (mysql) {
    ASSERT_NE(find_key(t, "m_fn"), nullptr);
    EXPECT_TRUE(find_key(t, "m_fn")->opaque) << "a functional part is an expression";
  }
  // The applier's key is unchanged by the extra keys.
  EXPECT_EQ(t.key_kind, sql::KeyKind::kPrimary);
  EXPECT_EQ(t.key_name, "PRIMARY");
  EXPECT_EQ(t.key_columns, std::vector<size_t>{0});

  // Collations: character columns only.
  EXPECT_EQ(t.columns[1].collation, "utf8mb4_unicode_ci");
  EXPECT_EQ(t.columns[2].collation, "");  // VARBINARY
  EXPECT_EQ(t.columns[2].charset, "");
  EXPECT_EQ(t.columns[3].collation, "utf8mb4_bin");
  EXPECT_EQ(t.columns[4].collation, "");  // BINARY
  EXPECT_EQ(t.columns[5].collation, "");  // INT
  EXPECT_EQ(t.columns[6].collation, "latin1_bin");

  EXPECT_EQ(t.engine, "InnoDB");
  EXPECT_TRUE(t.transactional);
  EXPECT_FALSE(t.has_foreign_keys);

  const sql::TableSchema& my = cache.get("sc_keys", "my");
  EXPECT_EQ(my.engine, "MyISAM");
  EXPECT_FALSE(my.transactional);

  const sql::TableSchema& nokey = cache.get("sc_keys", "nokey");
  EXPECT_TRUE(nokey.unique_keys.empty());
  EXPECT_EQ(nokey.key_kind, sql::KeyKind::kNone);
  EXPECT_TRUE(nokey.transactional);

  // Foreign keys: connected tables (across databases too) share a group
  // named by its smallest member; an unrelated pair has its own.
  EXPECT_TRUE(cache.get("sc_keys", "parent").has_foreign_keys);
  EXPECT_TRUE(cache.get("sc_keys", "child").has_foreign_keys);
  EXPECT_EQ(cache.get("sc_keys", "child").unique_keys.size(), 1u);
  EXPECT_EQ(cache.get("sc_keys", "parent").foreign_key_group, "sc_keys.child");
  EXPECT_EQ(cache.get("sc_keys", "child").foreign_key_group, "sc_keys.child");
  EXPECT_EQ(cache.get("sc_keys2", "grandchild").foreign_key_group, "sc_keys.child");
  EXPECT_EQ(cache.get("sc_keys", "p2").foreign_key_group, "sc_keys.c2");
  EXPECT_EQ(cache.get("sc_keys", "c2").foreign_key_group, "sc_keys.c2");
  EXPECT_EQ(t.foreign_key_group, "");

  const sql::TableSchema& part = cache.get("sc_keys", "part");
  EXPECT_TRUE(part.transactional) << "engine of a partitioned table: " << part.engine;
  ASSERT_EQ(part.unique_keys.size(), 1u);
  EXPECT_EQ(part.unique_keys[0].columns, (std::vector<size_t>{1, 0}));
  EXPECT_EQ(part.key_kind, sql::KeyKind::kUniqueNotNull);
  passive_->exec("DROP DATABASE sc_keys2; DROP DATABASE sc_keys");
}

INSTANTIATE_TEST_SUITE_P(Flavors, SchemaCacheTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

// MariaDB only: Aria is crash-safe but not transactional; a UNIQUE TEXT
// column is a "long unique" hash key on the whole value, not a prefix; a
// sequence is an InnoDB table; WITHOUT OVERLAPS keys are opaque.
class MariaDBSchemaCacheTest : public SchemaCacheTest {};

TEST_P(MariaDBSchemaCacheTest, AriaSequencesAndLongUniqueKeys) {
  passive_->exec(
      "DROP DATABASE IF EXISTS sc_maria; CREATE DATABASE sc_maria;"
      "CREATE TABLE sc_maria.aria (id INT PRIMARY KEY) ENGINE=Aria TRANSACTIONAL=1;"
      "CREATE TABLE sc_maria.lu (id INT PRIMARY KEY, body TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,"
      " UNIQUE KEY u_body (body)) ENGINE=InnoDB;"
      "CREATE SEQUENCE sc_maria.seq;"
      "CREATE TABLE sc_maria.booking (room INT NOT NULL, s DATE NOT NULL, e DATE NOT NULL, PERIOD FOR p (s, e),"
      " UNIQUE KEY no_double (room, p WITHOUT OVERLAPS)) ENGINE=InnoDB");
  sql::Connection connection = target_connection(*passive_);
  sql::SchemaCache cache(&connection);
  const sql::TableSchema& aria = cache.get("sc_maria", "aria");
  EXPECT_EQ(aria.engine, "Aria");
  EXPECT_FALSE(aria.transactional);
  const sql::TableSchema& lu = cache.get("sc_maria", "lu");
  const sql::UniqueKey* body = find_key(lu, "u_body");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->columns, std::vector<size_t>{1});
  EXPECT_FALSE(body->opaque) << "long unique compares the whole value";
  EXPECT_EQ(lu.columns[1].collation, "utf8mb4_bin");
  const sql::TableSchema& seq = cache.get("sc_maria", "seq");
  EXPECT_TRUE(seq.transactional) << "sequence engine: " << seq.engine;
  // Rows with different periods collide when the periods overlap: no value
  // equality can tell.
  const sql::TableSchema& booking = cache.get("sc_maria", "booking");
  ASSERT_EQ(booking.unique_keys.size(), 1u);
  EXPECT_TRUE(booking.unique_keys[0].opaque);
  passive_->exec("DROP DATABASE sc_maria");
}

INSTANTIATE_TEST_SUITE_P(Flavors, MariaDBSchemaCacheTest, ::testing::Values(Flavor::kMariaDB1011, Flavor::kMariaDB118),
                         FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
