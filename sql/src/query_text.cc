#include "galaxis/sql/query_text.h"

#include <strings.h>

#include <algorithm>
#include <cctype>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/schema_cache.h"

namespace galaxis::sql {
namespace {

enum class TokenKind { kWord, kQuotedIdentifier, kString, kPunct };

struct Token {
  TokenKind kind;
  size_t begin;  // byte span in the query
  size_t end;
  std::string value;     // words: upper-case; quoted identifiers: unquoted; strings: raw inner text; punct: the char
  std::string original;  // words: as written
};

bool is_word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

std::vector<Token> tokenize(std::string_view q) {
  std::vector<Token> tokens;
  size_t i = 0;
  int version_comments = 0;  // open /*! ... */ blocks whose content is code
  while (i < q.size()) {
    unsigned char c = static_cast<unsigned char>(q[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (c == '#' || (c == '-' && i + 2 < q.size() + 1 && q.substr(i, 2) == "--" &&
                            (i + 2 == q.size() || std::isspace(static_cast<unsigned char>(q[i + 2]))))) {
      while (i < q.size() && q[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < q.size() && q[i + 1] == '*') {
      if (i + 2 < q.size() && (q[i + 2] == '!' || (q[i + 2] == 'M' && i + 3 < q.size() && q[i + 3] == '!'))) {
        i += q[i + 2] == '!' ? 3 : 4;
        while (i < q.size() && std::isdigit(static_cast<unsigned char>(q[i]))) ++i;
        ++version_comments;
      } else {
        size_t close = q.find("*/", i + 2);
        i = close == std::string_view::npos ? q.size() : close + 2;
      }
    } else if (c == '*' && version_comments > 0 && i + 1 < q.size() && q[i + 1] == '/') {
      --version_comments;
      i += 2;
    } else if (c == '\'' || c == '"') {
      size_t start = i++;
      while (i < q.size()) {
        if (q[i] == '\\' && i + 1 < q.size()) {
          i += 2;
        } else if (q[i] == static_cast<char>(c)) {
          if (i + 1 < q.size() && q[i + 1] == static_cast<char>(c)) {
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          ++i;
        }
      }
      tokens.push_back({TokenKind::kString, start, i, std::string(q.substr(start + 1, i - start - 2)), {}});
    } else if (c == '`') {
      size_t start = i++;
      std::string name;
      while (i < q.size()) {
        if (q[i] == '`') {
          if (i + 1 < q.size() && q[i + 1] == '`') {
            name.push_back('`');
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          name.push_back(q[i++]);
        }
      }
      tokens.push_back({TokenKind::kQuotedIdentifier, start, i, name, {}});
    } else if (is_word_char(c)) {
      size_t start = i;
      while (i < q.size() && is_word_char(static_cast<unsigned char>(q[i]))) ++i;
      std::string original(q.substr(start, i - start));
      std::string upper = original;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      tokens.push_back({TokenKind::kWord, start, i, upper, original});
    } else {
      tokens.push_back({TokenKind::kPunct, i, i + 1, std::string(1, static_cast<char>(c)), {}});
      ++i;
    }
  }
  return tokens;
}

class Cursor {
 public:
  explicit Cursor(const std::vector<Token>& tokens) : t_(tokens) {}
  bool at_end() const { return i_ >= t_.size(); }
  const Token* peek(size_t ahead = 0) const { return i_ + ahead < t_.size() ? &t_[i_ + ahead] : nullptr; }
  bool is_word(std::string_view w, size_t ahead = 0) const {
    const Token* t = peek(ahead);
    return t != nullptr && t->kind == TokenKind::kWord && t->value == w;
  }
  bool is_punct(char p, size_t ahead = 0) const {
    const Token* t = peek(ahead);
    return t != nullptr && t->kind == TokenKind::kPunct && t->value[0] == p;
  }
  bool accept(std::string_view w) {
    if (!is_word(w)) return false;
    ++i_;
    return true;
  }
  bool accept_punct(char p) {
    if (!is_punct(p)) return false;
    ++i_;
    return true;
  }
  void next() { ++i_; }
  size_t index() const { return i_; }
  void seek(size_t i) { i_ = i; }

 private:
  const std::vector<Token>& t_;
  size_t i_ = 0;
};

bool is_identifier(const Token* t) {
  return t != nullptr && (t->kind == TokenKind::kWord || t->kind == TokenKind::kQuotedIdentifier);
}
std::string identifier_value(const Token& t) { return t.kind == TokenKind::kWord ? t.original : t.value; }

// [db .] name
bool read_object_name(Cursor* c, ObjectName* out) {
  if (!is_identifier(c->peek())) return false;
  std::string first = identifier_value(*c->peek());
  c->next();
  if (c->is_punct('.') && is_identifier(c->peek(1))) {
    c->next();
    out->database = first;
    out->name = identifier_value(*c->peek());
    c->next();
  } else {
    out->database.clear();
    out->name = first;
  }
  return true;
}

// Skips "DEFINER = user[@host]" at the cursor; returns the token range [begin, end).
bool skip_definer(Cursor* c, size_t* begin, size_t* end) {
  if (!c->is_word("DEFINER") || !c->is_punct('=', 1)) return false;
  *begin = c->index();
  c->next();
  c->next();
  if (c->accept("CURRENT_USER")) {
    if (c->is_punct('(') && c->is_punct(')', 1)) {
      c->next();
      c->next();
    }
  } else {
    const Token* user = c->peek();
    if (user == nullptr) return false;
    c->next();
    if (c->accept_punct('@')) {
      if (c->peek() != nullptr) c->next();
    }
  }
  *end = c->index();
  return true;
}

// After CREATE/ALTER/DROP: skips modifiers up to the object keyword.
void skip_modifiers(Cursor* c, QueryInfo* info) {
  for (;;) {
    size_t b = 0, e = 0;
    if (c->accept("OR") && c->accept("REPLACE")) continue;
    if (c->is_word("ALGORITHM") && c->is_punct('=', 1)) {
      c->next();
      c->next();
      c->next();
      continue;
    }
    if (skip_definer(c, &b, &e)) continue;
    if (c->is_word("SQL") && c->is_word("SECURITY", 1)) {
      c->next();
      c->next();
      c->next();
      continue;
    }
    if (c->accept("TEMPORARY")) {
      info->is_temporary = true;
      continue;
    }
    if (c->accept("ONLINE") || c->accept("OFFLINE") || c->accept("IGNORE") || c->accept("UNIQUE") ||
        c->accept("FULLTEXT") || c->accept("SPATIAL") || c->accept("AGGREGATE") || c->accept("UNDO")) {
      continue;
    }
    return;
  }
}

void skip_if_exists(Cursor* c) {
  if (c->is_word("IF")) {
    c->next();
    c->accept("NOT");
    c->accept("EXISTS");
  }
}

void read_name_list(Cursor* c, QueryInfo* info) {
  do {
    ObjectName name;
    if (!read_object_name(c, &name)) return;
    info->objects.push_back(name);
  } while (c->accept_punct(','));
}

// Finds "ON [db.]table" after the current position (for INDEX and TRIGGER).
void read_on_table(Cursor* c, QueryInfo* info) {
  while (!c->at_end()) {
    if (c->accept("ON")) {
      ObjectName name;
      if (read_object_name(c, &name)) info->objects.push_back(name);
      return;
    }
    c->next();
  }
}

bool any_word(const Cursor& c, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (c.is_word(w)) return true;
  }
  return false;
}

void classify_object_statement(Cursor* c, QueryInfo* info, bool is_drop) {
  skip_modifiers(c, info);
  if (any_word(*c, {"USER", "ROLE"})) {
    info->kind = QueryKind::kAccountManagement;
    return;
  }
  if (any_word(*c, {"PROCEDURE", "FUNCTION", "EVENT", "PACKAGE"})) {
    info->kind = QueryKind::kRoutine;
    info->object_type = c->peek()->value;
    // CREATE FUNCTION ... SONAME installs a UDF: administrative.
    return;
  }
  if (any_word(*c, {"SERVER", "TABLESPACE", "LOGFILE", "SPATIAL", "RESOURCE", "DATAFILE"})) {
    info->kind = QueryKind::kAdministrative;
    return;
  }
  if (any_word(*c, {"DATABASE", "SCHEMA"})) {
    info->kind = QueryKind::kDdl;
    info->object_type = "DATABASE";
    c->next();
    skip_if_exists(c);
    if (is_identifier(c->peek())) info->objects.push_back({identifier_value(*c->peek()), ""});
    return;
  }
  if (any_word(*c, {"TABLE", "TABLES", "VIEW", "SEQUENCE"})) {
    info->kind = QueryKind::kDdl;
    info->object_type = c->peek()->value == "TABLES" ? "TABLE" : c->peek()->value;
    c->next();
    skip_if_exists(c);
    if (is_drop) {
      read_name_list(c, info);
    } else {
      ObjectName name;
      if (read_object_name(c, &name)) info->objects.push_back(name);
    }
    return;
  }
  if (any_word(*c, {"INDEX", "TRIGGER"})) {
    info->kind = QueryKind::kDdl;
    info->object_type = c->peek()->value;
    c->next();
    skip_if_exists(c);
    ObjectName name;
    read_object_name(c, &name);
    if (is_drop && info->object_type == "TRIGGER") {
      // DROP TRIGGER [db.]name: the table is unknown; filter on the database.
      info->objects.push_back({name.database, ""});
      return;
    }
    read_on_table(c, info);
    return;
  }
  info->kind = QueryKind::kDdl;  // unknown object type: replay it
}

// MariaDB's "SET STATEMENT var=value[, ...] FOR <statement>": the index of
// the inner statement's first token (the first FOR outside parentheses),
// 0 when the query has no such prefix.
size_t inner_statement_start(const std::vector<Token>& tokens) {
  if (tokens.size() < 2 || tokens[0].kind != TokenKind::kWord || tokens[0].value != "SET" ||
      tokens[1].kind != TokenKind::kWord || tokens[1].value != "STATEMENT") {
    return 0;
  }
  int depth = 0;
  for (size_t i = 2; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == TokenKind::kPunct && t.value == "(") ++depth;
    if (t.kind == TokenKind::kPunct && t.value == ")") --depth;
    if (depth == 0 && t.kind == TokenKind::kWord && t.value == "FOR") return i + 1;
  }
  return 0;
}

}  // namespace

std::string_view query_kind_name(QueryKind kind) {
  switch (kind) {
    case QueryKind::kBegin: return "BEGIN";
    case QueryKind::kCommit: return "COMMIT";
    case QueryKind::kRollback: return "ROLLBACK";
    case QueryKind::kSavepoint: return "savepoint";
    case QueryKind::kDdl: return "DDL";
    case QueryKind::kRoutine: return "stored routine";
    case QueryKind::kAccountManagement: return "account management";
    case QueryKind::kAdministrative: return "administrative";
    case QueryKind::kStatementDml: return "statement-based DML";
    case QueryKind::kXa: return "XA";
    case QueryKind::kOther: return "other";
  }
  return "other";
}

QueryInfo classify_query(std::string_view query) {
  std::vector<Token> tokens = tokenize(query);
  Cursor c(tokens);
  // SET STATEMENT ... FOR <statement> is what the inner statement is (only
  // its session variables differ for its duration).
  c.seek(inner_statement_start(tokens));
  QueryInfo info;
  if (c.accept("BEGIN")) {
    info.kind = QueryKind::kBegin;
  } else if (c.accept("START")) {
    info.kind = c.is_word("TRANSACTION") ? QueryKind::kBegin : QueryKind::kAdministrative;
  } else if (c.accept("COMMIT")) {
    info.kind = QueryKind::kCommit;
  } else if (c.accept("ROLLBACK")) {
    c.accept("WORK");
    info.kind = c.is_word("TO") ? QueryKind::kSavepoint : QueryKind::kRollback;
  } else if (c.accept("SAVEPOINT")) {
    info.kind = QueryKind::kSavepoint;
  } else if (c.accept("RELEASE")) {
    info.kind = QueryKind::kSavepoint;
  } else if (c.accept("XA")) {
    info.kind = QueryKind::kXa;
  } else if (c.accept("GRANT") || c.accept("REVOKE")) {
    info.kind = QueryKind::kAccountManagement;
  } else if (c.accept("SET")) {
    info.kind = any_word(c, {"PASSWORD", "DEFAULT", "ROLE"}) ? QueryKind::kAccountManagement : QueryKind::kOther;
  } else if (c.accept("CREATE")) {
    classify_object_statement(&c, &info, false);
  } else if (c.accept("ALTER")) {
    classify_object_statement(&c, &info, false);
  } else if (c.accept("DROP")) {
    classify_object_statement(&c, &info, true);
  } else if (c.accept("RENAME")) {
    if (any_word(c, {"USER"})) {
      info.kind = QueryKind::kAccountManagement;
    } else {
      info.kind = QueryKind::kDdl;
      info.object_type = "TABLE";
      c.accept("TABLE");
      c.accept("TABLES");
      do {
        ObjectName from, to;
        if (!read_object_name(&c, &from)) break;
        info.objects.push_back(from);
        c.accept("TO");
        if (read_object_name(&c, &to)) info.objects.push_back(to);
      } while (c.accept_punct(','));
    }
  } else if (c.accept("TRUNCATE")) {
    info.kind = QueryKind::kDdl;
    info.object_type = "TABLE";
    c.accept("TABLE");
    ObjectName name;
    if (read_object_name(&c, &name)) info.objects.push_back(name);
  } else if (any_word(c, {"FLUSH", "ANALYZE", "OPTIMIZE", "REPAIR", "CHECK", "INSTALL", "UNINSTALL", "RESET", "PURGE",
                          "CHANGE", "KILL", "SHUTDOWN", "CACHE", "LOAD_INDEX"})) {
    info.kind = QueryKind::kAdministrative;
  } else if (any_word(c, {"INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD", "CALL", "DO", "SELECT", "WITH", "HANDLER",
                          "VALUES", "TABLE"})) {
    info.kind = QueryKind::kStatementDml;
  }
  return info;
}

std::string strip_definer(std::string_view query) {
  std::vector<Token> tokens = tokenize(query);
  Cursor c(tokens);
  c.seek(inner_statement_start(tokens));
  if (!c.accept("CREATE") && !c.accept("ALTER")) return std::string(query);
  for (size_t guard = 0; guard < 8 && !c.at_end(); ++guard) {
    size_t b = 0, e = 0;
    if (skip_definer(&c, &b, &e)) {
      size_t from = tokens[b].begin;
      size_t to = e < tokens.size() ? tokens[e].begin : query.size();
      return std::string(query.substr(0, from)) + std::string(query.substr(to));
    }
    if (any_word(c, {"TABLE", "VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "PACKAGE", "DATABASE"})) break;
    c.next();
  }
  return std::string(query);
}

std::string guard_trigger(std::string_view query) {
  if (query.find(kApplyingVariable) != std::string_view::npos) return std::string(query);
  std::vector<Token> tokens = tokenize(query);
  Cursor c(tokens);
  c.seek(inner_statement_start(tokens));
  if (!c.accept("CREATE")) return std::string(query);
  QueryInfo info;
  skip_modifiers(&c, &info);
  if (!c.is_word("TRIGGER")) return std::string(query);
  while (!c.at_end()) {
    if (c.is_word("FOR") && c.is_word("EACH", 1) && c.is_word("ROW", 2)) {
      c.next();
      c.next();
      c.next();
      if (c.accept("FOLLOWS") || c.accept("PRECEDES")) c.next();
      if (c.at_end()) return std::string(query);
      size_t body = c.peek()->begin;
      std::string_view rest = query.substr(body);
      while (!rest.empty() && (std::isspace(static_cast<unsigned char>(rest.back())) || rest.back() == ';')) {
        rest.remove_suffix(1);
      }
      return std::string(query.substr(0, body)) + "IF " + kApplyingVariable + " IS NULL THEN " + std::string(rest) +
             "; END IF";
    }
    c.next();
  }
  return std::string(query);
}

std::string strip_create_start_transaction(std::string_view query) {
  std::vector<Token> tokens = tokenize(query);
  const size_t first = inner_statement_start(tokens);
  if (tokens.size() < first + 3 || tokens[first].kind != TokenKind::kWord || tokens[first].value != "CREATE") {
    return std::string(query);
  }
  const Token& start = tokens[tokens.size() - 2];
  const Token& transaction = tokens.back();
  if (start.kind == TokenKind::kWord && start.value == "START" && transaction.kind == TokenKind::kWord &&
      transaction.value == "TRANSACTION") {
    std::string out(query.substr(0, start.begin));
    while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
    return out;
  }
  return std::string(query);
}

std::string rename_database(std::string_view query, std::string_view from, std::string_view to) {
  std::vector<Token> tokens = tokenize(query);
  std::vector<std::pair<size_t, size_t>> spans;  // token spans to replace
  auto matches = [&](const Token& t) { return is_identifier(&t) && identifier_value(t) == from; };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (!matches(t)) continue;
    bool qualifier = i + 2 < tokens.size() && tokens[i + 1].kind == TokenKind::kPunct && tokens[i + 1].value == "." &&
                     tokens[i + 1].begin == t.end && is_identifier(&tokens[i + 2]);
    bool database_name = false;
    // ... DATABASE|SCHEMA [IF [NOT] EXISTS] name
    size_t j = i;
    while (j > 0 && (tokens[j - 1].value == "EXISTS" || tokens[j - 1].value == "NOT" || tokens[j - 1].value == "IF") &&
           tokens[j - 1].kind == TokenKind::kWord) {
      --j;
    }
    if (j > 0 && tokens[j - 1].kind == TokenKind::kWord &&
        (tokens[j - 1].value == "DATABASE" || tokens[j - 1].value == "SCHEMA")) {
      database_name = true;
    }
    if (qualifier || database_name) spans.emplace_back(t.begin, t.end);
  }
  std::string out;
  size_t last = 0;
  const std::string replacement = quote_identifier(to);
  for (auto [b, e] : spans) {
    out.append(query.substr(last, b - last));
    out.append(replacement);
    last = e;
  }
  out.append(query.substr(last));
  return out;
}

}  // namespace galaxis::sql
