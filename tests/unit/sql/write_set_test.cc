// Write sets for parallel apply: which pairs of transactions must conflict
// (same row, same unique value, foreign keys) and which may not, on
// hand-built schemas and row events.
#include "galaxis/sql/write_set.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "write_set_fixture.h"

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

ColumnSchema column(std::string name, std::string data_type, bool nullable = false, std::string charset = "",
                    std::string collation = "", bool is_unsigned = false) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = std::move(data_type);
  c.nullable = nullable;
  c.charset = std::move(charset);
  c.collation = std::move(collation);
  c.is_unsigned = is_unsigned;
  return c;
}

// d.t (id INT PRIMARY KEY, u <u_column> UNIQUE KEY uk, v INT)
TableSchema table(ColumnSchema u_column = column("u", "int", true)) {
  TableSchema t;
  t.database = "d";
  t.table = "t";
  t.columns = {column("id", "int"), std::move(u_column), column("v", "int", true)};
  t.key_kind = KeyKind::kPrimary;
  t.key_name = "PRIMARY";
  t.key_columns = {0};
  t.unique_keys = {UniqueKey{"PRIMARY", {0}, false}, UniqueKey{"uk", {1}, false}};
  t.engine = "InnoDB";
  return t;
}

RowsEvent event(RowsKind kind, std::vector<RowChange> rows, uint32_t columns = 3) {
  RowsEvent e;
  e.kind = kind;
  e.column_count = columns;
  if (kind != RowsKind::kWrite) e.columns_before.assign(columns, true);
  if (kind != RowsKind::kDelete) e.columns_after.assign(columns, true);
  e.rows = std::move(rows);
  return e;
}

RowsEvent insert(RowImage row) { return event(RowsKind::kWrite, {{{}, std::move(row)}}); }
RowsEvent remove(RowImage row) { return event(RowsKind::kDelete, {{std::move(row), {}}}); }
RowsEvent update(RowImage before, RowImage after) {
  return event(RowsKind::kUpdate, {{std::move(before), std::move(after)}});
}

WriteSet write_set(const std::vector<RowsEvent>& events, const TableSchema& t) {
  WriteSet set;
  for (const RowsEvent& e : events) add_row_tokens(e, t, set);
  set.finish();
  return set;
}
WriteSet write_set(const RowsEvent& e, const TableSchema& t) { return write_set(std::vector<RowsEvent>{e}, t); }

bool conflict(const WriteSet& a, const WriteSet& b) {
  EXPECT_FALSE(a.barrier) << a.barrier_reason;
  EXPECT_FALSE(b.barrier) << b.barrier_reason;
  EXPECT_EQ(a.intersects(b), b.intersects(a));
  return a.intersects(b);
}

TEST(WriteSet, SamePrimaryKeyConflictsDifferentDoesNot) {
  TableSchema t = table();
  WriteSet a = write_set(insert({int64_t{1}, Null{}, int64_t{5}}), t);
  WriteSet b = write_set(update({int64_t{1}, Null{}, int64_t{5}}, {int64_t{1}, Null{}, int64_t{6}}), t);
  WriteSet c = write_set(remove({int64_t{2}, Null{}, int64_t{5}}), t);
  EXPECT_TRUE(conflict(a, b));
  EXPECT_FALSE(conflict(a, c));
  EXPECT_FALSE(conflict(b, c));
  EXPECT_EQ(a.tokens.size(), 1u) << "one key token; a NULL unique value adds none";
}

TEST(WriteSet, SameKeyInAnotherTableOrDatabaseDoesNotConflict) {
  TableSchema t = table();
  TableSchema other_table = table();
  other_table.table = "t2";
  TableSchema other_db = table();
  other_db.database = "d2";
  RowsEvent row = insert({int64_t{1}, Null{}, Null{}});
  EXPECT_FALSE(conflict(write_set(row, t), write_set(row, other_table)));
  EXPECT_FALSE(conflict(write_set(row, t), write_set(row, other_db)));
  // Identifiers fold to lower case (lower_case_table_names).
  TableSchema upper = table();
  upper.database = "D";
  upper.table = "T";
  EXPECT_TRUE(conflict(write_set(row, t), write_set(row, upper)));
}

TEST(WriteSet, PrimaryKeyChangeConflictsWithOldAndNewKeyHolders) {
  TableSchema t = table();
  WriteSet change = write_set(update({int64_t{1}, Null{}, Null{}}, {int64_t{2}, Null{}, Null{}}), t);
  EXPECT_TRUE(conflict(change, write_set(remove({int64_t{1}, Null{}, Null{}}), t)));
  EXPECT_TRUE(conflict(change, write_set(insert({int64_t{2}, Null{}, Null{}}), t)));
  EXPECT_FALSE(conflict(change, write_set(insert({int64_t{3}, Null{}, Null{}}), t)));
}

TEST(WriteSet, UniqueSecondaryKeySwapBetweenRowsConflicts) {
  TableSchema t = table();
  // Row 1 moves u 5 -> 6; then row 2 takes the freed 5: in the other order
  // the target would report a duplicate key.
  WriteSet first = write_set(update({int64_t{1}, int64_t{5}, Null{}}, {int64_t{1}, int64_t{6}, Null{}}), t);
  WriteSet second = write_set(update({int64_t{2}, int64_t{7}, Null{}}, {int64_t{2}, int64_t{5}, Null{}}), t);
  EXPECT_TRUE(conflict(first, second));
  WriteSet unrelated = write_set(update({int64_t{3}, int64_t{8}, Null{}}, {int64_t{3}, int64_t{9}, Null{}}), t);
  EXPECT_FALSE(conflict(first, unrelated));
  // A swap inside one transaction (via a temporary value) conflicts with a
  // later insert of either value elsewhere.
  WriteSet swap = write_set({update({int64_t{1}, int64_t{5}, Null{}}, {int64_t{1}, Null{}, Null{}}),
                             update({int64_t{2}, int64_t{6}, Null{}}, {int64_t{2}, int64_t{5}, Null{}}),
                             update({int64_t{1}, Null{}, Null{}}, {int64_t{1}, int64_t{6}, Null{}})},
                            t);
  EXPECT_TRUE(conflict(swap, write_set(insert({int64_t{9}, int64_t{6}, Null{}}), t)));
}

TEST(WriteSet, NullInANullableUniqueColumnGivesNoTokenForThatKey) {
  TableSchema t = table();
  WriteSet a = write_set(insert({int64_t{1}, Null{}, Null{}}), t);
  WriteSet b = write_set(insert({int64_t{2}, Null{}, Null{}}), t);
  EXPECT_FALSE(conflict(a, b));
  // A composite key with one NULL part constrains nothing either.
  TableSchema composite = table();
  composite.unique_keys[1].columns = {1, 2};
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, int64_t{4}, Null{}}), composite),
                        write_set(insert({int64_t{2}, int64_t{4}, Null{}}), composite)));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, int64_t{4}, int64_t{1}}), composite),
                       write_set(insert({int64_t{2}, int64_t{4}, int64_t{1}}), composite)));
}

TEST(WriteSet, UnknownCollationKeyIsTableWide) {
  // A collation collation_fold.h does not know (contractions, other charsets).
  TableSchema t = table(column("u", "varchar", true, "utf8mb4", "utf8mb4_czech_ci"));
  WriteSet lower = write_set(insert({int64_t{1}, Text{"abc", 45}, Null{}}), t);
  WriteSet upper = write_set(insert({int64_t{2}, Text{"ABC ", 45}, Null{}}), t);
  WriteSet other = write_set(insert({int64_t{3}, Text{"xyz", 45}, Null{}}), t);
  EXPECT_TRUE(conflict(lower, upper));
  EXPECT_TRUE(conflict(lower, other)) << "table-wide: any two non-NULL values";
  WriteSet null = write_set(insert({int64_t{4}, Null{}, Null{}}), t);
  EXPECT_FALSE(conflict(lower, null)) << "a NULL value holds no unique value";
  // A column with a charset but no known collation is treated the same.
  TableSchema unknown = table(column("u", "varchar", true, "utf8mb4", ""));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Text{"a", 45}, Null{}}), unknown),
                       write_set(insert({int64_t{2}, Text{"b", 45}, Null{}}), unknown)));
  TableSchema ucs2 = table(column("u", "varchar", true, "ucs2", "ucs2_general_ci"));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Text{std::string("\0a", 2), 35}, Null{}}), ucs2),
                       write_set(insert({int64_t{2}, Text{std::string("\0b", 2), 35}, Null{}}), ucs2)));
}

TEST(WriteSet, KnownCaseInsensitiveCollationFoldsAsciiValues) {
  // PAD SPACE: case and trailing spaces fold; NO PAD: case only.
  for (const auto& [collation, pad] :
       std::vector<std::pair<std::string, bool>>{{"utf8mb4_general_ci", true},
                                                 {"utf8mb4_unicode_ci", true},
                                                 {"utf8mb4_0900_ai_ci", false},
                                                 {"utf8mb4_uca1400_ai_ci", true},
                                                 {"utf8mb4_unicode_520_nopad_ci", false}}) {
    SCOPED_TRACE(collation);
    TableSchema t = table(column("u", "varchar", true, "utf8mb4", collation));
    auto at = [&](int64_t id, std::string value) { return write_set(insert({id, Text{value, 45}, Null{}}), t); };
    WriteSet abc = at(1, "abc");
    EXPECT_TRUE(conflict(abc, at(2, "ABC")));
    EXPECT_TRUE(conflict(abc, at(2, "aBc")));
    EXPECT_EQ(conflict(abc, at(2, "abc  ")), pad);
    EXPECT_FALSE(conflict(abc, at(2, "xyz"))) << "distinct ASCII values parallelise";
    EXPECT_FALSE(conflict(abc, at(2, " abc")));
    EXPECT_FALSE(conflict(abc, at(2, "ab")));
    // Values without a fold conflict with every value of the key, and with each other.
    WriteSet sharp = at(3,
                        "stra\xC3\x9F"
                        "e");
    WriteSet accent = at(4, "\xC3\xA9t\xC3\xA9");
    WriteSet control = at(5, std::string("abc\0", 4));
    for (const WriteSet* any : {&sharp, &accent, &control}) {
      EXPECT_TRUE(conflict(*any, abc));
      EXPECT_TRUE(conflict(*any, at(6, "zzz")));
    }
    EXPECT_TRUE(conflict(sharp, accent));
    EXPECT_TRUE(conflict(accent, control));
    // ... but not with other tables or keys, nor with a NULL.
    TableSchema t2 = t;
    t2.table = "t2";
    EXPECT_FALSE(conflict(sharp, write_set(insert({int64_t{7}, Text{"abc", 45}, Null{}}), t2)));
    EXPECT_FALSE(conflict(sharp, write_set(insert({int64_t{7}, Null{}, Null{}}), t)));
    // An UPDATE from an ASCII value to one without a fold and back.
    WriteSet to_accent =
        write_set(update({int64_t{8}, Text{"q", 45}, Null{}}, {int64_t{8}, Text{"\xC3\xA9", 45}, Null{}}), t);
    EXPECT_TRUE(conflict(to_accent, at(9, "Q")));
    EXPECT_TRUE(conflict(to_accent, at(9, "r")));
    WriteSet other_key =
        write_set(update({int64_t{10}, Text{"k", 45}, int64_t{1}}, {int64_t{10}, Text{"k", 45}, int64_t{2}}), t);
    EXPECT_FALSE(conflict(other_key, abc)) << "an update keeping 'k' holds 'k'";
    EXPECT_TRUE(conflict(other_key, at(11, "K")));
  }
}

TEST(WriteSet, FoldedCollationWithPrefixAndMultiColumnKeys) {
  TableSchema t = table(column("u", "varchar", true, "latin1", "latin1_swedish_ci"));
  t.unique_keys[1].prefix_lengths = {3};
  auto at = [&](int64_t id, std::string value) { return write_set(insert({id, Text{value, 8}, Null{}}), t); };
  EXPECT_TRUE(conflict(at(1, "abcX"), at(2, "ABCy")));
  EXPECT_FALSE(conflict(at(1, "abX"), at(2, "abY")));
  EXPECT_TRUE(conflict(at(1, "ab  x"), at(2, "AB"))) << "the prefix 'ab ' pads to 'ab'";
  EXPECT_FALSE(conflict(at(1, "abc\xE9"), at(2, "xyz"))) << "the non-ASCII byte is outside the prefix";
  EXPECT_TRUE(conflict(at(1,
                          "a\xE9"
                          "c"),
                       at(2, "xyz")));
  // (u, v) unique: the fold of u with v by value.
  TableSchema pair = table(column("u", "varchar", true, "utf8mb4", "utf8mb4_general_ci"));
  pair.unique_keys[1].columns = {1, 2};
  auto row = [&](int64_t id, std::string u, int64_t v) { return write_set(insert({id, Text{u, 45}, v}), pair); };
  EXPECT_TRUE(conflict(row(1, "a", 1), row(2, "A", 1)));
  EXPECT_FALSE(conflict(row(1, "a", 1), row(2, "A", 2)));
  EXPECT_TRUE(conflict(row(1, "\xC3\xA0", 1), row(2, "b", 2))) << "no fold: any value of the key";
}

TEST(WriteSet, BinCollationIgnoresTrailingSpacesOnly) {
  TableSchema t = table(column("u", "varchar", true, "utf8mb4", "utf8mb4_bin"));
  WriteSet a = write_set(insert({int64_t{1}, Text{"a", 46}, Null{}}), t);
  EXPECT_TRUE(conflict(a, write_set(insert({int64_t{2}, Text{"a  ", 46}, Null{}}), t)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, Text{"A", 46}, Null{}}), t)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, Text{" a", 46}, Null{}}), t)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, Text{"a\t", 46}, Null{}}), t)));
  // A _bin collation of a charset outside the known list stays table-wide.
  TableSchema ucs2 = table(column("u", "varchar", true, "ucs2", "ucs2_bin"));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Text{std::string("\0a", 2), 90}, Null{}}), ucs2),
                       write_set(insert({int64_t{2}, Text{std::string("\0b", 2), 90}, Null{}}), ucs2)));
}

TEST(WriteSet, BinaryKeysCompareExactBytesBinaryPaddingAside) {
  TableSchema varbinary = table(column("u", "varbinary", true));
  WriteSet a = write_set(insert({int64_t{1}, Text{"a", 63}, Null{}}), varbinary);
  EXPECT_TRUE(conflict(a, write_set(insert({int64_t{2}, Text{"a", 63}, Null{}}), varbinary)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, Text{"a ", 63}, Null{}}), varbinary)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, Text{"A", 63}, Null{}}), varbinary)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, Text{std::string("a\0", 2), 63}, Null{}}), varbinary)));
  // BINARY(4) pads with 0x00 on store: 'a' and 'a\0\0\0' are one value.
  TableSchema binary = table(column("u", "binary", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Text{"a", 63}, Null{}}), binary),
                       write_set(insert({int64_t{2}, Text{std::string("a\0\0\0", 4), 63}, Null{}}), binary)));
}

TEST(WriteSet, IntegersCompareByValueWhateverSignednessTheBinlogGave) {
  // Without signedness metadata an unsigned column arrives as a negative int64.
  TableSchema unsigned_int = table(column("u", "int", true, "", "", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, int64_t{-1}, Null{}}), unsigned_int),
                       write_set(insert({int64_t{2}, uint64_t{4294967295u}, Null{}}), unsigned_int)));
  TableSchema signed_int = table(column("u", "bigint", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, int64_t{5}, Null{}}), signed_int),
                       write_set(insert({int64_t{2}, uint64_t{5}, Null{}}), signed_int)));
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, int64_t{-1}, Null{}}), signed_int),
                        write_set(insert({int64_t{2}, uint64_t{UINT64_MAX}, Null{}}), signed_int)));
  // The primary key too: uint64 and int64 of one id are one row.
  TableSchema t = table();
  EXPECT_TRUE(conflict(write_set(insert({uint64_t{7}, Null{}, Null{}}), t),
                       write_set(remove({int64_t{7}, Null{}, Null{}}), t)));
}

TEST(WriteSet, OtherTypesByValue) {
  TableSchema decimal = table(column("u", "decimal", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Decimal{"-0.00"}, Null{}}), decimal),
                       write_set(insert({int64_t{2}, Decimal{"0.00"}, Null{}}), decimal)));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Decimal{"012.50"}, Null{}}), decimal),
                       write_set(insert({int64_t{2}, Decimal{"12.5"}, Null{}}), decimal)));
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, Decimal{"12.50"}, Null{}}), decimal),
                        write_set(insert({int64_t{2}, Decimal{"1.25"}, Null{}}), decimal)));
  TableSchema datetime = table(column("u", "datetime", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, DateTime{2024, 2, 29, 1, 2, 3, 500, 3}, Null{}}), datetime),
                       write_set(insert({int64_t{2}, DateTime{2024, 2, 29, 1, 2, 3, 500, 6}, Null{}}), datetime)));
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, DateTime{2024, 2, 29, 1, 2, 3, 0, 0}, Null{}}), datetime),
                        write_set(insert({int64_t{2}, DateTime{2024, 2, 29, 1, 2, 4, 0, 0}, Null{}}), datetime)));
  TableSchema time = table(column("u", "time", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Time{true, 0, 0, 0, 0, 0}, Null{}}), time),
                       write_set(insert({int64_t{2}, Time{false, 0, 0, 0, 0, 0}, Null{}}), time)));
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, Time{true, 1, 0, 0, 0, 0}, Null{}}), time),
                        write_set(insert({int64_t{2}, Time{false, 1, 0, 0, 0, 0}, Null{}}), time)));
  // ENUM by index, whatever the column's collation says about its labels.
  TableSchema enumeration = table(column("u", "enum", true, "utf8mb4", "utf8mb4_general_ci"));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Enum{2}, Null{}}), enumeration),
                       write_set(insert({int64_t{2}, Enum{2}, Null{}}), enumeration)));
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, Enum{2}, Null{}}), enumeration),
                        write_set(insert({int64_t{2}, Enum{3}, Null{}}), enumeration)));
  TableSchema floating = table(column("u", "double", true));
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, -0.0, Null{}}), floating),
                       write_set(insert({int64_t{2}, 0.0, Null{}}), floating)));
}

TEST(WriteSet, PrefixKeysCompareTheIndexedPrefix) {
  // UNIQUE (u(3)) on a utf8mb4_bin column: three characters, PAD SPACE.
  TableSchema t = table(column("u", "varchar", true, "utf8mb4", "utf8mb4_bin"));
  t.unique_keys[1].prefix_lengths = {3};
  auto key = [&](std::string value) { return write_set(insert({int64_t{1}, Text{value, 46}, Null{}}), t); };
  auto other = [&](std::string value) { return write_set(insert({int64_t{2}, Text{value, 46}, Null{}}), t); };
  EXPECT_TRUE(conflict(key("abcX"), other("abcY")));
  EXPECT_TRUE(conflict(key("abc"), other("abcdef")));
  EXPECT_FALSE(conflict(key("abX"), other("abY")));
  EXPECT_TRUE(conflict(key("\xC3\xA9\xC3\xA9\xC3\xA9"
                           "1"),
                       other("\xC3\xA9\xC3\xA9\xC3\xA9"
                             "2")))
      << "characters, not bytes";
  EXPECT_FALSE(conflict(key("\xC3\xA9\xC3\xA9"
                            "1"),
                        other("\xC3\xA9\xC3\xA9"
                              "2")));
  EXPECT_TRUE(conflict(key("ab  x"), other("ab"))) << "the prefix 'ab ' pads to 'ab'";
  // UNIQUE (b(2)) on VARBINARY: bytes.
  TableSchema binary = table(column("u", "varbinary", true));
  binary.unique_keys[1].prefix_lengths = {2};
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Text{"\xC3\xA9x", 63}, Null{}}), binary),
                       write_set(insert({int64_t{2}, Text{"\xC3\xA9y", 63}, Null{}}), binary)));
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, Text{"ab", 63}, Null{}}), binary),
                        write_set(insert({int64_t{2}, Text{"a ", 63}, Null{}}), binary)));
}

TEST(WriteSet, OpaqueKeyAndKeylessTableAreTableWide) {
  TableSchema functional = table();
  functional.unique_keys[1] = UniqueKey{"fn", {}, true};  // UNIQUE ((v + 1))
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Null{}, Null{}}), functional),
                       write_set(insert({int64_t{2}, Null{}, Null{}}), functional)));
  TableSchema keyless = table();
  keyless.unique_keys.clear();
  keyless.key_kind = KeyKind::kNone;
  keyless.key_columns.clear();
  EXPECT_TRUE(conflict(write_set(insert({int64_t{1}, Null{}, Null{}}), keyless),
                       write_set(remove({int64_t{2}, Null{}, Null{}}), keyless)));
  // Nullable unique keys only, all NULL: nothing tells the rows apart.
  TableSchema nullable_only = table();
  nullable_only.unique_keys.erase(nullable_only.unique_keys.begin());
  EXPECT_TRUE(conflict(write_set(update({int64_t{1}, Null{}, Null{}}, {int64_t{1}, Null{}, int64_t{1}}), nullable_only),
                       write_set(remove({int64_t{1}, Null{}, int64_t{1}}), nullable_only)));
  // A row that gains a unique value: its before image named no key, so the
  // change that created it (table-wide) must still conflict.
  WriteSet created = write_set(insert({int64_t{1}, Null{}, int64_t{1}}), nullable_only);
  WriteSet gains =
      write_set(update({int64_t{1}, Null{}, int64_t{1}}, {int64_t{1}, int64_t{5}, int64_t{1}}), nullable_only);
  EXPECT_TRUE(conflict(created, gains));
  EXPECT_TRUE(conflict(gains, write_set(remove({int64_t{1}, int64_t{5}, int64_t{1}}), nullable_only)));
  // The table-wide token is per table.
  TableSchema keyless2 = keyless;
  keyless2.table = "t2";
  EXPECT_FALSE(conflict(write_set(insert({int64_t{1}, Null{}, Null{}}), keyless),
                        write_set(insert({int64_t{1}, Null{}, Null{}}), keyless2)));
}

TEST(WriteSet, HandBuiltSchemaWithOnlyTheApplierKey) {
  TableSchema t = table();
  t.unique_keys.clear();
  WriteSet a = write_set(insert({int64_t{1}, int64_t{5}, Null{}}), t);
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, int64_t{5}, Null{}}), t)));
  EXPECT_TRUE(conflict(a, write_set(remove({int64_t{1}, int64_t{5}, Null{}}), t)));
}

TEST(WriteSet, MinimalImages) {
  TableSchema t = table();
  // UPDATE ... SET v = 2 WHERE id = 1: before {id}, after {v}. The unique
  // key u is untouched; the row is named by its before image.
  RowsEvent set_v = event(RowsKind::kUpdate, {{{int64_t{1}}, {int64_t{2}}}});
  set_v.columns_before = {true, false, false};
  set_v.columns_after = {false, false, true};
  WriteSet a = write_set(set_v, t);
  EXPECT_FALSE(a.barrier) << a.barrier_reason;
  EXPECT_TRUE(conflict(a, write_set(remove({int64_t{1}, int64_t{5}, Null{}}), t)));
  EXPECT_FALSE(conflict(a, write_set(insert({int64_t{2}, int64_t{5}, Null{}}), t)));

  // A DELETE whose before image lacks u frees an unknown u value: barrier.
  RowsEvent delete_minimal = event(RowsKind::kDelete, {{{int64_t{1}}, {}}});
  delete_minimal.columns_before = {true, false, false};
  WriteSet deleted = write_set(delete_minimal, t);
  EXPECT_TRUE(deleted.barrier);
  EXPECT_NE(deleted.barrier_reason.find("`u`"), std::string::npos) << deleted.barrier_reason;
  EXPECT_NE(deleted.barrier_reason.find("`d`.`t`"), std::string::npos) << deleted.barrier_reason;

  // An UPDATE that sets u without the old value in the before image: barrier.
  RowsEvent set_u = event(RowsKind::kUpdate, {{{int64_t{1}}, {int64_t{6}}}});
  set_u.columns_before = {true, false, false};
  set_u.columns_after = {false, true, false};
  EXPECT_TRUE(write_set(set_u, t).barrier);

  // An INSERT lacking a key column (the default is unknown): barrier.
  RowsEvent insert_minimal = event(RowsKind::kWrite, {{{}, {int64_t{1}, int64_t{1}}}});
  insert_minimal.columns_after = {true, false, true};
  EXPECT_TRUE(write_set(insert_minimal, t).barrier);

  // A table whose only unique key is the PRIMARY KEY never needs a barrier:
  // the before image always has the key, an after image without it keeps it.
  TableSchema pk_only = table();
  pk_only.unique_keys.resize(1);
  EXPECT_TRUE(conflict(write_set(set_v, pk_only), write_set(remove({int64_t{1}, Null{}, Null{}}), pk_only)));
  RowsEvent delete_pk = delete_minimal;
  EXPECT_FALSE(write_set(delete_pk, pk_only).barrier);
  // A primary-key change under MINIMAL: before {id}, after {id}.
  RowsEvent move = event(RowsKind::kUpdate, {{{int64_t{1}}, {int64_t{3}}}});
  move.columns_before = {true, false, false};
  move.columns_after = {true, false, false};
  WriteSet moved = write_set(move, pk_only);
  EXPECT_TRUE(conflict(moved, write_set(insert({int64_t{3}, Null{}, Null{}}), pk_only)));
  EXPECT_TRUE(conflict(moved, write_set(insert({int64_t{1}, Null{}, Null{}}), pk_only)));

  // An UPDATE whose before image names the row by no key at all (only a
  // non-key column present): barrier, not a table-wide token.
  RowsEvent unnamed = event(RowsKind::kUpdate, {{{int64_t{1}}, {int64_t{2}}}});
  unnamed.columns_before = {false, false, true};
  unnamed.columns_after = {false, false, true};
  EXPECT_TRUE(write_set(unnamed, t).barrier);

  // Composite key (u, v) with only v changed and u absent everywhere: the
  // new key value is unknown.
  TableSchema composite = table();
  composite.unique_keys[1].columns = {1, 2};
  EXPECT_TRUE(write_set(set_v, composite).barrier);
}

TEST(WriteSet, ColumnsMatchedByNameWhenTheTableMapHasNames) {
  TableSchema t = table();
  // The binlog's table has the columns in another order: (v, u, id).
  auto map = std::make_shared<TableMap>();
  map->has_column_names = true;
  for (const char* name : {"v", "U", "id"}) {
    ColumnInfo info;
    info.name = name;
    map->columns.push_back(info);
  }
  RowsEvent named = insert({Null{}, int64_t{5}, int64_t{1}});
  named.table = map;
  WriteSet a = write_set(named, t);
  EXPECT_TRUE(conflict(a, write_set(remove({int64_t{1}, Null{}, Null{}}), t)));
  EXPECT_TRUE(conflict(a, write_set(insert({int64_t{2}, int64_t{5}, Null{}}), t)));
  EXPECT_EQ(a.tokens, write_set(insert({int64_t{1}, int64_t{5}, Null{}}), t).tokens);

  // Without names, the counts must agree; otherwise the applier will refuse
  // the event and the transaction is a barrier so that happens in order.
  WriteSet mismatch = write_set(event(RowsKind::kWrite, {{{}, {int64_t{1}, int64_t{2}}}}, 2), t);
  EXPECT_TRUE(mismatch.barrier);
}

TEST(WriteSet, ForeignKeyTablesConflictWithEachOther) {
  TableSchema parent = table();
  parent.table = "parent";
  parent.has_foreign_keys = true;
  TableSchema child = table();
  child.table = "child";
  child.has_foreign_keys = true;
  TableSchema plain = table();
  plain.table = "plain";
  EXPECT_TRUE(conflict(write_set(remove({int64_t{1}, Null{}, Null{}}), parent),
                       write_set(insert({int64_t{9}, Null{}, Null{}}), child)));
  EXPECT_FALSE(conflict(write_set(remove({int64_t{1}, Null{}, Null{}}), parent),
                        write_set(insert({int64_t{9}, Null{}, Null{}}), plain)));
  // Named groups: tables linked by foreign keys share one; others do not.
  parent.foreign_key_group = "d.child";
  child.foreign_key_group = "D.Child";
  TableSchema elsewhere = table();
  elsewhere.table = "orders";
  elsewhere.has_foreign_keys = true;
  elsewhere.foreign_key_group = "d.customers";
  EXPECT_TRUE(conflict(write_set(remove({int64_t{1}, Null{}, Null{}}), parent),
                       write_set(insert({int64_t{9}, Null{}, Null{}}), child)));
  EXPECT_FALSE(conflict(write_set(remove({int64_t{1}, Null{}, Null{}}), parent),
                        write_set(insert({int64_t{9}, Null{}, Null{}}), elsewhere)));
}

TEST(WriteSet, TriggersAndNonTransactionalTablesMakeBarriers) {
  TableSchema triggered = table();
  triggered.unguarded_triggers = {"audit_insert"};
  WriteSet a = write_set(insert({int64_t{1}, Null{}, Null{}}), triggered);
  EXPECT_TRUE(a.barrier);
  EXPECT_NE(a.barrier_reason.find("audit_insert"), std::string::npos) << a.barrier_reason;

  TableSchema myisam = table();
  myisam.engine = "MyISAM";
  myisam.transactional = false;
  WriteSet b = write_set(insert({int64_t{1}, Null{}, Null{}}), myisam);
  EXPECT_TRUE(b.barrier);
  EXPECT_NE(b.barrier_reason.find("MyISAM"), std::string::npos) << b.barrier_reason;

  // The first reason stays; an event without rows changes nothing.
  WriteSet both;
  add_row_tokens(insert({int64_t{1}, Null{}, Null{}}), myisam, both);
  add_row_tokens(insert({int64_t{1}, Null{}, Null{}}), triggered, both);
  EXPECT_EQ(both.barrier_reason, b.barrier_reason);
  WriteSet empty;
  add_row_tokens(event(RowsKind::kWrite, {}), myisam, empty);
  EXPECT_FALSE(empty.barrier);
}

// Property: over random single-row histories of
//   d.t (id INT PRIMARY KEY, u VARCHAR _bin UNIQUE NULL, c VARCHAR _ci UNIQUE NULL, v INT)
// any two transactions that touch the same row, or both take or free the
// same unique value (as the server compares it), intersect or one is a
// barrier — with FULL images (never a barrier) and with MINIMAL ones.
class RandomHistory {
 public:
  struct Row {
    std::optional<std::string> u, c;
    int64_t v = 0;
  };
  struct Transaction {
    RowsEvent full, minimal;
    std::set<int64_t> ids;         // rows touched
    std::set<std::string> values;  // unique values taken or freed: "u:<canonical>", "c:<canonical>"
  };

  explicit RandomHistory(uint32_t seed) : random_(seed) {}

  static std::string strip(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }
  // utf8mb4_general_ci on the values below: case, trailing spaces, and
  // 'é' = 'e' (the write set has no fold for 'é': any value of the key).
  static std::string fold(std::string s) {
    if (s == "\xC3\xA9" || s == "\xC3\x89") return "e";
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return strip(s);
  }

  std::optional<Transaction> next() {
    const int kind = pick(3);
    if (rows_.empty() || kind == 0) return insert();
    auto it = rows_.begin();
    std::advance(it, pick(static_cast<int>(rows_.size())));
    return kind == 1 ? update(it->first) : remove_row(it->first);
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  std::optional<std::string> random_u() {
    static const char* kValues[] = {"a", "a ", "b", "B"};
    return pick(3) == 0 ? std::nullopt : std::optional<std::string>(kValues[pick(4)]);
  }
  std::optional<std::string> random_c() {
    static const char* kValues[] = {"x", "X ", "y", "z", "e", "\xC3\xA9", "\xC3\x89"};
    return pick(3) == 0 ? std::nullopt : std::optional<std::string>(kValues[pick(7)]);
  }
  bool fits(int64_t id, const Row& row, int64_t ignore) const {
    for (const auto& [other_id, other] : rows_) {
      if (other_id == ignore) continue;
      if (other_id == id) return false;
      if (row.u && other.u && strip(*row.u) == strip(*other.u)) return false;
      if (row.c && other.c && fold(*row.c) == fold(*other.c)) return false;
    }
    return true;
  }
  static Value text(const std::optional<std::string>& s) {
    if (!s) return Null{};
    return Text{*s, 45};
  }
  static RowImage image(int64_t id, const Row& row) { return {id, text(row.u), text(row.c), row.v}; }
  static std::set<std::string> values(const Row& row) {
    std::set<std::string> out;
    if (row.u) out.insert("u:" + strip(*row.u));
    if (row.c) out.insert("c:" + fold(*row.c));
    return out;
  }
  // A value the row keeps orders nothing by itself: the changes that gave
  // it to the row are ordered by the row.
  static void note(Transaction& t, int64_t id, const std::optional<Row>& before, int64_t new_id,
                   const std::optional<Row>& after) {
    std::set<std::string> old_values = before ? values(*before) : std::set<std::string>();
    std::set<std::string> new_values = after ? values(*after) : std::set<std::string>();
    if (before) t.ids.insert(id);
    if (after) t.ids.insert(new_id);
    for (const std::string& v : old_values) {
      if (!new_values.count(v)) t.values.insert(v);
    }
    for (const std::string& v : new_values) {
      if (!old_values.count(v)) t.values.insert(v);
    }
  }

  std::optional<Transaction> insert() {
    int64_t id = 1 + pick(6);
    Row row{random_u(), random_c(), pick(5)};
    if (!fits(id, row, -1)) return std::nullopt;
    rows_[id] = row;
    Transaction t;
    t.full = event(RowsKind::kWrite, {{{}, image(id, row)}}, 4);
    // MINIMAL: the columns the statement named; NULL ones may be left out.
    t.minimal = event(RowsKind::kWrite, {{{}, {}}}, 4);
    t.minimal.columns_after = {true, !row.u ? pick(2) == 0 : true, !row.c ? pick(2) == 0 : true, true};
    RowImage full = image(id, row);
    for (size_t i = 0; i < 4; ++i) {
      if (t.minimal.columns_after[i]) t.minimal.rows[0].after.push_back(full[i]);
    }
    note(t, 0, std::nullopt, id, row);
    return t;
  }

  std::optional<Transaction> update(int64_t id) {
    Row before = rows_[id];
    Row after = before;
    int64_t new_id = id;
    bool changed[4] = {pick(4) == 0, pick(2) == 0, pick(2) == 0, pick(2) == 0};
    if (changed[0]) new_id = 1 + pick(6);
    if (changed[1]) after.u = random_u();
    if (changed[2]) after.c = random_c();
    if (changed[3]) after.v = pick(5);
    if (!fits(new_id, after, id)) return std::nullopt;
    rows_.erase(id);
    rows_[new_id] = after;
    Transaction t;
    t.full = event(RowsKind::kUpdate, {{image(id, before), image(new_id, after)}}, 4);
    t.minimal = event(RowsKind::kUpdate, {{{id}, {}}}, 4);
    t.minimal.columns_before = {true, false, false, false};
    t.minimal.columns_after.assign(changed, changed + 4);
    RowImage full = image(new_id, after);
    for (size_t i = 0; i < 4; ++i) {
      if (changed[i]) t.minimal.rows[0].after.push_back(full[i]);
    }
    note(t, id, before, new_id, after);
    return t;
  }

  std::optional<Transaction> remove_row(int64_t id) {
    Row row = rows_[id];
    rows_.erase(id);
    Transaction t;
    t.full = event(RowsKind::kDelete, {{image(id, row), {}}}, 4);
    t.minimal = event(RowsKind::kDelete, {{{id}, {}}}, 4);
    t.minimal.columns_before = {true, false, false, false};
    note(t, id, row, 0, std::nullopt);
    return t;
  }

  std::mt19937 random_;
  std::map<int64_t, Row> rows_;
};

TEST(WriteSet, RandomHistoriesNeverMissAConflict) {
  TableSchema t = table(column("u", "varchar", true, "utf8mb4", "utf8mb4_bin"));
  t.columns.insert(t.columns.begin() + 2, column("c", "varchar", true, "utf8mb4", "utf8mb4_general_ci"));
  t.unique_keys = {UniqueKey{"PRIMARY", {0}, false}, UniqueKey{"uu", {1}, false}, UniqueKey{"uc", {2}, false}};
  size_t parallel_pairs = 0, minimal_barriers = 0, minimal_total = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    RandomHistory history(seed);
    std::vector<RandomHistory::Transaction> transactions;
    std::vector<WriteSet> full, minimal;
    for (int attempt = 0; attempt < 40; ++attempt) {
      auto next = history.next();
      if (!next) continue;
      full.push_back(write_set(next->full, t));
      minimal.push_back(write_set(next->minimal, t));
      ASSERT_FALSE(full.back().barrier) << full.back().barrier_reason;
      minimal_barriers += minimal.back().barrier ? 1 : 0;
      ++minimal_total;
      transactions.push_back(std::move(*next));
    }
    for (size_t i = 0; i < transactions.size(); ++i) {
      for (size_t j = i + 1; j < transactions.size(); ++j) {
        const auto& a = transactions[i];
        const auto& b = transactions[j];
        bool must = false;
        for (int64_t id : a.ids) must = must || b.ids.count(id) > 0;
        for (const std::string& value : a.values) must = must || b.values.count(value) > 0;
        if (must) {
          ASSERT_TRUE(full[i].intersects(full[j])) << "seed " << seed << " transactions " << i << ", " << j;
          ASSERT_TRUE(minimal[i].barrier || minimal[j].barrier || minimal[i].intersects(minimal[j]))
              << "MINIMAL, seed " << seed << " transactions " << i << ", " << j;
        } else if (!full[i].intersects(full[j])) {
          ++parallel_pairs;
        }
      }
    }
  }
  // Not everything conflicts, and MINIMAL is not all barriers.
  EXPECT_GT(parallel_pairs, 1000u);
  EXPECT_LT(minimal_barriers, minimal_total);
}

TEST(WriteSet, FinishSortsAndDeduplicates) {
  WriteSet set;
  for (uint64_t token : {5u, 3u, 5u, 1u, 3u}) set.add(token);
  set.finish();
  EXPECT_EQ(set.tokens, (std::vector<uint64_t>{1, 3, 5}));
  WriteSet other;
  other.add(4);
  other.add(9);
  other.finish();
  EXPECT_FALSE(set.intersects(other));
  other.add(3);
  other.finish();
  EXPECT_TRUE(set.intersects(other));
  EXPECT_FALSE(set.intersects(WriteSet{}));
}

TEST(WriteSet, SharedTokensConflictOnlyWithTheirExclusiveTwin) {
  EXPECT_FALSE(write_set_of({1}, {7}).intersects(write_set_of({2}, {7})));
  EXPECT_TRUE(write_set_of({1}, {7}).intersects(write_set_of({7}, {})));
  EXPECT_TRUE(write_set_of({7}, {}).intersects(write_set_of({1}, {7})));
  EXPECT_TRUE(write_set_of({7}, {}).intersects(write_set_of({7}, {})));
  EXPECT_FALSE(write_set_of({}, {7}).intersects(write_set_of({}, {8})));
  // add() keeps a token exclusive whatever its top bit.
  EXPECT_TRUE(write_set_of({WriteSet::kShared | 5}, {}).intersects(write_set_of({5}, {})));
}

}  // namespace
}  // namespace galaxis::sql
