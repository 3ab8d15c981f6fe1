// Which indexes a copy defers (sql/sync/schema_copy.h): plain KEYs only,
// names with escaped backquotes, nothing when the table has foreign keys.
#include <gtest/gtest.h>

#include "galaxis/sql/sync/schema_copy.h"

namespace galaxis::sql::sync {
namespace {

using Keys = std::vector<std::pair<std::string, std::string>>;

TEST(SyncSchemaCopy, PlainSecondaryKeysOnly) {
  const std::string create =
      "CREATE TABLE `sbtest1` (\n"
      "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  `k` int(11) NOT NULL DEFAULT 0,\n"
      "  `c` char(120) NOT NULL DEFAULT '',\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `uc` (`c`),\n"
      "  KEY `k_1` (`k`),\n"
      "  KEY `we``ird` (`c`(10),`k`) COMMENT 'x',\n"
      "  FULLTEXT KEY `ft` (`c`),\n"
      "  SPATIAL KEY `sp` (`g`)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  EXPECT_EQ(plain_secondary_keys(create),
            (Keys{{"k_1", "KEY `k_1` (`k`)"}, {"we`ird", "KEY `we``ird` (`c`(10),`k`) COMMENT 'x'"}}));
}

TEST(SyncSchemaCopy, TablesWithForeignKeysKeepTheirIndexes) {
  const std::string create =
      "CREATE TABLE `child` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `pid` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  KEY `pid` (`pid`),\n"
      "  CONSTRAINT `child_ibfk_1` FOREIGN KEY (`pid`) REFERENCES `parent` (`id`) ON DELETE CASCADE\n"
      ") ENGINE=InnoDB";
  EXPECT_TRUE(plain_secondary_keys(create).empty());
  EXPECT_TRUE(plain_secondary_keys("CREATE TABLE `t` (\n  `a` int\n)").empty());
}

}  // namespace
}  // namespace galaxis::sql::sync
