// Collated unique keys in write sets (collation_fold.h, issue 15), against
// the real servers:
//   - exactness: for every collation the fold knows that the flavour has,
//     the server's own comparison (GROUP BY under the collation over every
//     printable-ASCII string of one and two characters, with trailing and
//     leading spaces; and `a = b` over tricky pairs: case, 'ss'/'ß',
//     accents, ignorable controls, NBSP, combining marks, Swedish letters)
//     never calls two values equal whose folds differ — unless one of them
//     has no fold (it conflicts with every value of the key);
//   - a table with a _ci UNIQUE key is applied by more than one worker per
//     epoch and ends equal to the master, also when values are freed and
//     taken again in another case or accent.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "apply_support.h"
#include "galaxis/sql/collation_fold.h"
#include "galaxis/sql/parallel_applier.h"

namespace galaxis::testing {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

// Tricky values in UTF-8 and, where they exist, in latin1.
std::vector<std::string> tricky(bool latin1) {
  std::vector<std::string> v = {"a",  "A",  "a ", "A  ", " a", "aa", "AA",      "ss",      "SS",     "sS",    "ae",
                                "AE", "oe", "i",  "I",   "k",  "K",  "y",       "Y",       "u",      "U",     "e",
                                "E",  "fi", "]",  "[",   "\\", "}",  "{",       "|",       "`",      "~",     "^",
                                "_",  "-",  "'",  "",    " ",  "  ", "strasse", "STRASSE", "muller", "Muller"};
  for (std::string control : {std::string("\0", 1), std::string("\x01"), std::string("\t"), std::string("\n"),
                              std::string("\x1F"), std::string("\x7F")}) {
    v.push_back(control);
    v.push_back("a" + control);
    v.push_back(control + "a");
  }
  if (latin1) {
    for (const char* s : {"\xDF",
                          "\xE9",
                          "\xC9",
                          "\xE8",
                          "\xE5",
                          "\xC5",
                          "\xE4",
                          "\xC4",
                          "\xF6",
                          "\xD6",
                          "\xFC",
                          "\xDC",
                          "\xE6",
                          "\xC6",
                          "\xFD",
                          "\xFF",
                          "\xA0",
                          "a\xA0",
                          "a\xAD",
                          "\xD0",
                          "\xF0",
                          "\xDE",
                          "\xFE",
                          "stra\xDF"
                          "e",
                          "m\xFCller",
                          "M\xDCLLER"}) {
      v.emplace_back(s);
    }
  } else {
    for (const char* s : {"\xC3\x9F",
                          "\xE1\xBA\x9E",
                          "stra\xC3\x9F"
                          "e",
                          "STRA\xE1\xBA\x9E"
                          "E",
                          "\xC3\xA9",
                          "\xC3\x89",
                          "e\xCC\x81",
                          "\xC3\xA8",
                          "\xC3\xA5",
                          "\xC3\x85",
                          "\xC3\xA4",
                          "\xC3\xB6",
                          "\xC3\xBC",
                          "m\xC3\xBCller",
                          "M\xC3\x9CLLER",
                          "\xC3\xA6",
                          "\xC5\x93",
                          "\xC4\xB1",
                          "\xC4\xB0",
                          "\xE2\x84\xAA",
                          "\xEF\xAC\x81",
                          "\xEF\xBC\xA1",
                          "a\xC2\xA0",
                          "a\xC2\xAD",
                          "a\xE2\x80\x8B",
                          "\xE2\x80\x8B"
                          "a",
                          "a\xEF\xBF\xBD",
                          "\xF0\x9F\x98\x80"}) {
      v.emplace_back(s);
    }
  }
  return v;
}

// Every printable-ASCII string of one or two characters, and the single
// characters with trailing / leading spaces.
std::vector<std::string> ascii_sweep() {
  std::vector<std::string> v;
  for (int a = 0x20; a <= 0x7E; ++a) {
    const std::string one(1, static_cast<char>(a));
    v.push_back(one);
    v.push_back(one + " ");
    v.push_back(" " + one);
    for (int b = 0x20; b <= 0x7E; ++b) v.push_back(one + static_cast<char>(b));
  }
  return v;
}

class CollationFoldRealTest : public MasterPassiveTest {};

TEST_P(CollationFoldRealTest, ServerEqualityNeverSeparatesFolds) {
  Server& server = *master_;
  const std::vector<std::string> candidates = {
      "utf8mb4_general_ci",       "utf8mb4_general_nopad_ci", "utf8mb4_unicode_ci",
      "utf8mb4_unicode_nopad_ci", "utf8mb4_unicode_520_ci",   "utf8mb4_unicode_520_nopad_ci",
      "utf8mb4_0900_ai_ci",       "utf8mb4_uca1400_ai_ci",    "utf8mb4_uca1400_nopad_ai_ci",
      "utf8mb3_general_ci",       "utf8mb3_unicode_ci",       "utf8mb3_unicode_520_ci",
      "utf8mb3_uca1400_ai_ci",    "utf8mb3_general_nopad_ci", "latin1_swedish_ci",
      "latin1_swedish_nopad_ci",  "ascii_general_ci",         "ascii_general_nopad_ci"};
  std::set<std::string> present;
  for (const auto& row : server.query("SELECT COLLATION_NAME FROM information_schema.COLLATIONS")) {
    if (row[0]) present.insert(*row[0]);
  }
  if (GetParam() != Flavor::kMySQL97) {
    // MariaDB ≥ 10.10 lists UCA 14.0 collations without their charset
    // ("uca1400_ai_ci"); the full names are here.
    for (const auto& row :
         server.query("SELECT FULL_COLLATION_NAME FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY")) {
      if (row[0]) present.insert(*row[0]);
    }
  }
  // Never an empty test: the flavour's default collations are among them.
  for (const char* required : {"utf8mb4_general_ci", "utf8mb4_unicode_ci", "latin1_swedish_ci",
                               GetParam() == Flavor::kMySQL97 ? "utf8mb4_0900_ai_ci" : "utf8mb4_uca1400_ai_ci"}) {
    ASSERT_TRUE(present.count(required)) << required << " is not in information_schema.COLLATIONS";
  }
  server.exec(
      "DROP DATABASE IF EXISTS cfold_values; CREATE DATABASE cfold_values;"
      "CREATE TABLE cfold_values.v (id INT PRIMARY KEY, kind CHAR(1) NOT NULL, s VARBINARY(16) NOT NULL)"
      "; SET SESSION group_concat_max_len = 1000000");
  size_t tested = 0;
  for (const std::string& collation : candidates) {
    if (!present.count(collation)) continue;
    SCOPED_TRACE(collation);
    const std::string charset = collation.substr(0, collation.find('_'));
    const sql::AsciiFoldRule rule = sql::ascii_fold_rule(charset, collation);
    ASSERT_NE(rule, sql::AsciiFoldRule::kUnknown);
    // The values: tricky ones (k), the ASCII sweep (s); valid in the charset.
    std::vector<std::string> values = tricky(charset == "latin1");
    const size_t tricky_count = values.size();
    for (std::string& s : ascii_sweep()) values.push_back(std::move(s));
    if (charset == "ascii") {
      std::erase_if(values, [](const std::string& s) {
        return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) > 0x7F; });
      });
    }
    std::string insert = "DELETE FROM cfold_values.v; INSERT INTO cfold_values.v VALUES ";
    for (size_t i = 0; i < values.size(); ++i) {
      insert += fmt::format("{}({}, '{}', X'{}')", i ? "," : "", i, i < tricky_count ? 'k' : 's', hex(values[i]));
    }
    server.exec(insert);
    std::vector<std::optional<std::string>> folds;
    for (const std::string& s : values) folds.push_back(sql::ascii_fold(s, rule));
    const std::string as_text = fmt::format("CONVERT(s USING {}) COLLATE {}", charset, collation);
    auto check_equal = [&](size_t a, size_t b) {
      if (!folds[a] || !folds[b]) return;  // no fold: conflicts with every value
      EXPECT_EQ(*folds[a], *folds[b]) << "the server says '" << hex(values[a]) << "' = '" << hex(values[b])
                                      << "' (hex) but their folds differ";
    };
    // 1. Every group of values the server calls equal (GROUP BY under the collation).
    size_t groups = 0;
    for (const auto& row : server.query(
             fmt::format("SELECT GROUP_CONCAT(id) FROM cfold_values.v GROUP BY {} HAVING COUNT(*) > 1", as_text))) {
      ++groups;
      std::vector<size_t> ids;
      for (size_t pos = 0; pos < row[0]->size();) {
        size_t end = row[0]->find(',', pos);
        if (end == std::string::npos) end = row[0]->size();
        ids.push_back(std::stoul(row[0]->substr(pos, end - pos)));
        pos = end + 1;
      }
      for (size_t id : ids) check_equal(ids[0], id);
    }
    EXPECT_GT(groups, 90u) << "a case-insensitive collation groups 'a' with 'A' at least";
    // 2. Every tricky pair the server calls equal (a = b).
    size_t pairs = 0;
    for (const auto& row : server.query(fmt::format(
             "SELECT a.id, b.id FROM cfold_values.v a JOIN cfold_values.v b ON a.id < b.id AND a.kind = 'k'"
             " AND b.kind = 'k' AND CONVERT(a.s USING {0}) COLLATE {1} = CONVERT(b.s USING {0}) COLLATE {1}",
             charset, collation))) {
      ++pairs;
      check_equal(std::stoul(*row[0]), std::stoul(*row[1]));
    }
    EXPECT_GT(pairs, 5u);
    // 3. The fold is not vacuous: 'a' = 'A' and distinct letters stay apart.
    EXPECT_EQ(sql::ascii_fold("aB", rule), sql::ascii_fold("Ab", rule));
    EXPECT_NE(sql::ascii_fold("a", rule), sql::ascii_fold("b", rule));
    ++tested;
  }
  EXPECT_GE(tested, 6u);
  server.exec("DROP DATABASE cfold_values");
}

// A table whose UNIQUE key is in the server's default (case- and accent-
// insensitive) utf8mb4 collation, written by many small transactions: some
// free a value that a later one takes in another case ('ab1' → 'AB1 '), or
// with an accent ('muller' freed, 'Müller' taken) — reordered, the later
// one would fail with a duplicate key on the target.
TEST_P(CollationFoldRealTest, CaseInsensitiveUniqueKeyTableIsAppliedByManyWorkers) {
  passive_->exec("DROP DATABASE IF EXISTS cfold_copy");
  const binlog::BinlogPosition from = master_position(*master_);
  std::string load =
      "DROP DATABASE IF EXISTS cfold; CREATE DATABASE cfold;"
      "CREATE TABLE cfold.t (id INT PRIMARY KEY, email VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL, n INT NOT NULL,"
      " UNIQUE KEY email (email)) ENGINE=InnoDB;";
  constexpr int kRows = 240;
  for (int i = 1; i <= kRows; ++i) {
    const std::string email = i % 20 == 0 ? fmt::format("m\xC3\xBCller{}@x", i) : fmt::format("user{}@x", i);
    load += fmt::format("INSERT INTO cfold.t VALUES ({}, '{}', 0);", i, email);
  }
  for (int i = 1; i <= kRows; ++i) {
    // Case changes keep the value. Every 10th row frees its value and the
    // next transaction takes it as a new row in another case, with trailing
    // spaces, or without the accent.
    load += fmt::format("UPDATE cfold.t SET email = UPPER(email), n = n + 1 WHERE id = {};", i);
    if (i % 10 == 0) {
      const std::string taken = i % 20 == 0 ? fmt::format("MULLER{}@X", i) : fmt::format("User{}@X  ", i);
      load += fmt::format(
          "BEGIN; UPDATE cfold.t SET email = CONCAT('gone', id) WHERE id = {0}; COMMIT;"
          "BEGIN; INSERT INTO cfold.t VALUES ({1}, '{2}', 7); COMMIT;",
          i, kRows + i, taken);
    }
  }
  master_->exec(load);
  const std::string collation = master_->query_value(
      "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'cfold' AND "
      "TABLE_NAME = 't' AND COLUMN_NAME = 'email'");
  ASSERT_NE(sql::ascii_fold_rule("utf8mb4", collation), sql::AsciiFoldRule::kUnknown) << collation;
  ASSERT_EQ(master_->query_value("SELECT COUNT(*) FROM cfold.t"), std::to_string(kRows + kRows / 10));

  auto parallel = make_parallel_copy(*passive_, "cfold");
  replay(*master_, from, *parallel);
  EXPECT_EQ(compare_databases(*master_, "cfold", *passive_, "cfold_copy"), "");
  const auto& cuts = parallel->epoch_cuts();
  // Before: every change of the table held the table-wide token, one worker.
  EXPECT_GE(cuts.widest, 2u) << collation << ": the table was applied by one worker per epoch";
  EXPECT_GT(parallel->total_stats().rows, static_cast<uint64_t>(2 * kRows));
}

INSTANTIATE_TEST_SUITE_P(Flavors, CollationFoldRealTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
