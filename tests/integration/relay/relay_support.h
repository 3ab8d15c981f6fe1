// Shared helpers for the relay integration tests: a consumer that records
// what the stream delivers as jsonl lines (binlog::JsonFormatter), the same
// lines produced by the file decoder from the master's binlog files (the
// oracle), and a running stream on a thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "galaxis/binlog/format_json.h"
#include "galaxis/relay/replication_stream.h"
#include "galaxis/relay/server_binlog_source.h"
#include "galaxis/testing/harness.h"

namespace galaxis::testing {

inline constexpr const char* kReplUser = "relay_repl";
inline constexpr const char* kReplPassword = "r3pl pass'word";

// Creates (idempotently) the replication user on `master`.
void ensure_repl_user(Server& master);

// A ConnectionUrl for `user` on 127.0.0.1:`port` (default: the server's).
ConnectionUrl repl_url(Server& master, uint16_t port = 0, const std::string& user = kReplUser,
                       const std::string& password = kReplPassword, SslMode ssl = SslMode::kPreferred);

relay::ServerSourceOptions source_options(const ConnectionUrl& url, bool non_blocking,
                                          std::chrono::milliseconds heartbeat = std::chrono::milliseconds(500));

// Records every event the stream delivers (committed transactions only, plus
// non-artificial control events) as jsonl lines; thread-safe reads.
class Recorder : public relay::TransactionConsumer {
 public:
  void on_transaction_begin(const relay::TransactionInfo& t) override;
  void on_event(const relay::TransactionInfo& t, const relay::StreamEvent& e) override;
  void on_transaction_commit(const relay::TransactionInfo& t) override;
  void on_transaction_abort(const relay::TransactionInfo& t, const Error& reason) override;
  void on_control_event(const relay::StreamEvent& e) override;
  void on_reconnect(const Error& reason, unsigned attempt, std::chrono::milliseconds delay) override;

  std::vector<std::string> lines() const;
  std::vector<relay::TransactionInfo> transactions() const;
  std::vector<std::string> committed_gtids() const;
  unsigned aborts() const { return aborts_; }
  unsigned reconnects() const { return reconnects_; }
  unsigned heartbeats() const { return heartbeats_; }
  std::string last_reconnect_reason() const;
  // Called (from the stream thread) after each commit.
  std::function<void(const relay::TransactionInfo&)> after_commit;

 private:
  std::string line(const relay::StreamEvent& e);
  mutable std::mutex mutex_;
  binlog::JsonFormatter formatter_;
  std::vector<std::string> lines_;
  std::vector<std::string> pending_;
  std::vector<relay::TransactionInfo> transactions_;
  std::atomic<unsigned> aborts_{0}, reconnects_{0}, heartbeats_{0};
  std::string last_reason_;
};

// The oracle: the jsonl lines of every event in `files` (in order) starting
// at `start_file`:`start_offset`, decoded by the file reader + decoder.
std::vector<std::string> file_lines(const std::vector<std::string>& files, const std::string& start_file = "",
                                    uint64_t start_offset = 0);

// A ReplicationStream running on its own thread until stop() / the end.
class StreamThread {
 public:
  StreamThread(relay::ServerSourceOptions options, relay::StartPosition from, Recorder& recorder,
               relay::StreamOptions stream_options = {});
  ~StreamThread();
  // Waits until `done()` holds or the timeout passes; returns done().
  bool wait_for(const std::function<bool()>& done, std::chrono::seconds timeout = std::chrono::seconds(60));
  // Requests a stop and joins; rethrows what run() threw.
  void stop();
  relay::ReplicationStream& stream() { return *stream_; }
  relay::ServerBinlogSource& source() { return *source_; }
  bool finished() const { return finished_; }
  std::string error() const;

 private:
  std::unique_ptr<relay::ServerBinlogSource> source_;
  std::unique_ptr<relay::ReplicationStream> stream_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
  mutable std::mutex mutex_;
  std::exception_ptr error_;
};

std::string basename_of(const std::string& path);

}  // namespace galaxis::testing
