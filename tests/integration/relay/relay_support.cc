#include "relay_support.h"

#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/file_reader.h"
#include "galaxis/binlog/payload.h"

namespace galaxis::testing {

std::string basename_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void ensure_repl_user(Server& master) {
  const std::string exists =
      master.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kReplUser + "'");
  if (exists == "0")
    master.create_user(kReplUser, kReplPassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
}

ConnectionUrl repl_url(Server& master, uint16_t port, const std::string& user, const std::string& password,
                       SslMode ssl) {
  ConnectionUrl url;
  url.user = user;
  url.host = "127.0.0.1";
  url.port = port ? port : master.port();
  url.ssl_mode = ssl;
  url.password = Secret(password);
  return url;
}

relay::ServerSourceOptions source_options(const ConnectionUrl& url, bool non_blocking,
                                          std::chrono::milliseconds heartbeat) {
  relay::ServerSourceOptions o;
  o.url = url;
  o.non_blocking = non_blocking;
  o.heartbeat_period = heartbeat;
  o.server_id = 4242;
  o.connect.connect_timeout = std::chrono::seconds(5);
  o.connect.io_timeout = std::chrono::seconds(20);
  return o;
}

std::string Recorder::line(const relay::StreamEvent& e) {
  std::string out;
  formatter_.append_event(e.event, binlog::EventLocation{e.file, e.offset, e.next_position, e.inner}, out);
  return out;
}

void Recorder::on_transaction_begin(const relay::TransactionInfo&) {
  std::lock_guard lock(mutex_);
  pending_.clear();
}

void Recorder::on_event(const relay::TransactionInfo&, const relay::StreamEvent& e) {
  std::string l = line(e);
  std::lock_guard lock(mutex_);
  pending_.push_back(std::move(l));
}

void Recorder::on_transaction_commit(const relay::TransactionInfo& t) {
  {
    std::lock_guard lock(mutex_);
    for (auto& l : pending_) lines_.push_back(std::move(l));
    pending_.clear();
    transactions_.push_back(t);
  }
  if (after_commit) after_commit(t);
}

void Recorder::on_transaction_abort(const relay::TransactionInfo&, const Error&) {
  std::lock_guard lock(mutex_);
  pending_.clear();
  ++aborts_;
}

void Recorder::on_control_event(const relay::StreamEvent& e) {
  if (e.event.as<binlog::HeartbeatEvent>()) ++heartbeats_;
  if (e.artificial) return;
  std::string l = line(e);
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(l));
}

void Recorder::on_reconnect(const Error& reason, unsigned, std::chrono::milliseconds) {
  std::lock_guard lock(mutex_);
  ++reconnects_;
  last_reason_ = reason.what();
}

std::vector<std::string> Recorder::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::vector<relay::TransactionInfo> Recorder::transactions() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

std::vector<std::string> Recorder::committed_gtids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& t : transactions_) out.push_back(t.gtid);
  return out;
}

std::string Recorder::last_reconnect_reason() const {
  std::lock_guard lock(mutex_);
  return last_reason_;
}

std::vector<std::string> file_lines(const std::vector<std::string>& files, const std::string& start_file,
                                    uint64_t start_offset) {
  std::vector<std::string> out;
  binlog::JsonFormatter formatter;
  bool started = start_file.empty();
  for (const std::string& path : files) {
    const std::string name = basename_of(path);
    if (!started && name != start_file) continue;
    const bool first_file = !started;
    started = true;
    binlog::BinlogFileReader reader(path);
    binlog::Decoder decoder;
    while (auto raw = reader.next()) {
      binlog::Event event = decoder.decode(raw->bytes, raw->offset);
      const uint64_t next = raw->offset + raw->bytes.size();
      if (first_file && raw->offset < start_offset) continue;
      std::string line;
      formatter.append_event(event, binlog::EventLocation{name, raw->offset, next, false}, line);
      if (event.as<binlog::TransactionPayloadEvent>() == nullptr) out.push_back(line);
      if (const auto* payload = event.as<binlog::TransactionPayloadEvent>()) {
        binlog::TransactionPayloadReader inner_reader(*payload, raw->offset);
        while (auto inner = inner_reader.next()) {
          binlog::Event inner_event = decoder.decode_inner(*inner, raw->offset);
          std::string inner_line;
          formatter.append_event(inner_event, binlog::EventLocation{name, raw->offset, next, true}, inner_line);
          out.push_back(inner_line);
        }
      }
    }
  }
  return out;
}

StreamThread::StreamThread(relay::ServerSourceOptions options, relay::StartPosition from, Recorder& recorder,
                           relay::StreamOptions stream_options)
    : source_(std::make_unique<relay::ServerBinlogSource>(std::move(options))),
      stream_(std::make_unique<relay::ReplicationStream>(*source_, std::move(stream_options))) {
  thread_ = std::thread([this, from, &recorder] {
    try {
      stream_->run(from, recorder);
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    finished_ = true;
  });
}

StreamThread::~StreamThread() {
  stream_->request_stop();
  if (thread_.joinable()) thread_.join();
}

bool StreamThread::wait_for(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    if (finished_) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

void StreamThread::stop() {
  stream_->request_stop();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  if (error_) std::rethrow_exception(error_);
}

std::string StreamThread::error() const {
  std::lock_guard lock(mutex_);
  if (!error_) return "";
  try {
    std::rethrow_exception(error_);
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace galaxis::testing
