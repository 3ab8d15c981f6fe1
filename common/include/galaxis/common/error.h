// galaxis/common/error.h — the one error scheme of galaxis-relay.
//
// Every module reports failure by throwing galaxis::Error (or a subclass).
// An Error carries a Kind that decides the process exit code and whether a
// long-running loop may retry, plus a human message that already names what
// was wrong and where (file + offset, host + position, table + column).
// Module boundaries add context with Error::add_context() and rethrow, so the
// final message reads outermost-first: "relay: reading binlog.000003: ...".
// Data a caller branches on travels in fields, never in the message: the
// server's errno and SQLSTATE when a server answered with an error, and a
// Condition for the few situations a caller must recognise by name.
//
// Never put a password, token or other secret into an Error message.
// Never use assert() on input from the wire or a file: throw an Error.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace galaxis {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    kUsage,        // bad command line / config: exit 2
    kRuntime,      // generic runtime failure: exit 1
    kCorrupt,      // malformed input (binlog bytes, dump files): exit 1, never retried
    kUnsupported,  // valid input we do not handle (yet): exit 1
    kIo,           // file system failure: exit 1
    kNetwork,      // connection dropped / timed out: retryable
    kServer,       // the server answered with an error: exit 1
    kAuth,         // authentication or privilege problem: exit 1, never retried
  };

  // Situations a caller recognises (kNone for all others).
  enum class Condition {
    kNone,
    kServerIdInUse,  // another replica with our server_id is connected to the master
  };

  Error(Kind kind, std::string message) : std::runtime_error(message), kind_(kind), message_(std::move(message)) {}

  Kind kind() const noexcept { return kind_; }
  // The MySQL/MariaDB error number (server or client library, e.g. 1213,
  // 2013) when a server or connector reported the failure; 0 otherwise.
  unsigned server_errno() const noexcept { return server_errno_; }
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  Condition condition() const noexcept { return condition_; }

  Error& set_server_error(unsigned code, std::string sqlstate) {
    server_errno_ = code;
    sqlstate_ = std::move(sqlstate);
    return *this;
  }
  Error& set_condition(Condition condition) {
    condition_ = condition;
    return *this;
  }
  const char* what() const noexcept override { return message_.c_str(); }

  // Prefixes "context: " to the message. Returns *this so callers can write
  // `catch (Error& e) { e.add_context("reading x"); throw; }`.
  Error& add_context(const std::string& context) {
    message_ = context + ": " + message_;
    return *this;
  }

  bool retryable() const noexcept { return kind_ == Kind::kNetwork; }
  int exit_code() const noexcept { return kind_ == Kind::kUsage ? 2 : 1; }

 private:
  Kind kind_;
  std::string message_;
  unsigned server_errno_ = 0;
  std::string sqlstate_;
  Condition condition_ = Condition::kNone;
};

// Throw helpers with fmt-style formatting: throw_error(Error::Kind::kIo, "open {}: {}", path, why).
template <typename... Args>
[[noreturn]] void throw_error(Error::Kind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

// Runs fn(); if it throws Error, adds `context` and rethrows. Keeps the
// try/catch/add_context/throw pattern in one place. `context` is a string,
// or a callable returning one that runs only on failure — for per-event
// paths, where formatting a message nobody reads costs more than the work.
template <typename Context, typename Fn>
decltype(auto) with_context(Context&& context, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (Error& e) {
    if constexpr (std::is_invocable_v<Context&>) {
      e.add_context(context());
    } else {
      e.add_context(context);
    }
    throw;
  }
}

}  // namespace galaxis
