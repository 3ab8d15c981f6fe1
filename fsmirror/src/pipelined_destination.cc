// PipelinedDestination (pipelined_destination.h).
#include "galaxis/fsmirror/pipelined_destination.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "kept_failure.h"

namespace galaxis::fsmirror {
namespace {

constexpr size_t kMaxQueuedBytes = 16 << 20;

struct SinkSlot {
  std::unique_ptr<FileSink> sink;
  std::optional<uint64_t> copied;  // the last copy_from_fd's answer
};

class PipelinedDestination : public Destination {
 public:
  explicit PipelinedDestination(std::unique_ptr<Destination> inner) : inner_(std::move(inner)) {
    worker_ = std::thread([this] { run(); });
  }

  ~PipelinedDestination() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    worker_.join();  // runs what is queued (cleanups at least) first
  }

  std::string describe() const override { return inner_->describe(); }
  void open(bool read_only) override {
    drain();
    inner_->open(read_only);
  }
  std::optional<Index> load_index() override {
    drain();
    return inner_->load_index();
  }
  ScanResult scan(bool hash_files) override {
    drain();
    return inner_->scan(hash_files);
  }
  std::string read_marker() override {
    drain();
    return inner_->read_marker();
  }
  void remove(const Entry& entry) override {
    drain();  // every addition done (or its failure thrown) before a deletion
    inner_->remove(entry);
  }
  void finish_cycle(const Index& index, bool entries_changed, const std::string& marker_json) override {
    drain();
    inner_->finish_cycle(index, entries_changed, marker_json);
  }

  void begin_cycle() override {
    post([this] { inner_->begin_cycle(); }, 0);
  }
  void make_dir(const Entry& entry, bool replace) override {
    post([this, entry, replace] { inner_->make_dir(entry, replace); }, 0);
  }
  void make_symlink(const Entry& entry) override {
    post([this, entry] { inner_->make_symlink(entry); }, 0);
  }
  void set_meta(const Entry& entry) override {
    post([this, entry] { inner_->set_meta(entry); }, 0);
  }
  void set_root_meta(const Meta& meta) override {
    post([this, meta] { inner_->set_root_meta(meta); }, 0);
  }
  std::unique_ptr<FileSink> open_file(const std::string& path) override;

  // Queues `fn` (throws the pending failure instead, if any).
  void post(std::function<void()> fn, size_t bytes) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queued_bytes_ + bytes <= kMaxQueuedBytes || queue_.empty() || failure_.has(); });
    if (failure_.has()) failure_.throw_on_post();
    queued_bytes_ += bytes;
    queue_.push_back(Op{std::move(fn), bytes, false});
    cv_.notify_all();
  }
  // Runs `fn` on the thread after everything queued, and waits for it.
  void run_now(std::function<void()> fn) {
    post(std::move(fn), 0);
    drain();
  }
  // Queues a cleanup (a sink's abort): runs even after a failure; never throws.
  void post_cleanup(std::function<void()> fn) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Op{std::move(fn), 0, true});
    cv_.notify_all();
  }

 private:
  struct Op {
    std::function<void()> fn;
    size_t bytes;
    bool cleanup;
  };

  // Waits until the thread has run everything queued; throws its failure.
  void drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
    // Everything queued after the failure was skipped by now (kept_failure.h).
    failure_.take_at_drain();
  }

  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, nothing left
      Op op = std::move(queue_.front());
      queue_.pop_front();
      const bool skip = failure_.has() && !op.cleanup;
      busy_ = true;
      lock.unlock();
      std::optional<Error> error;
      if (!skip) {
        try {
          op.fn();
        } catch (const Error& e) {
          error = e;
        } catch (const std::exception& e) {
          error = Error(Error::Kind::kRuntime, e.what());
        }
      }
      op.fn = nullptr;  // releases captured sinks (their temps) outside the lock
      lock.lock();
      busy_ = false;
      queued_bytes_ -= op.bytes;
      failure_.keep(std::move(error));
      cv_.notify_all();
    }
  }

  std::unique_ptr<Destination> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;
  size_t queued_bytes_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  KeptFailure failure_;
  std::thread worker_;
};

class PipelinedSink : public FileSink {
 public:
  PipelinedSink(PipelinedDestination& owner, std::shared_ptr<SinkSlot> slot) : owner_(owner), slot_(std::move(slot)) {}
  ~PipelinedSink() override { abort(); }

  void write(const uint8_t* data, size_t size) override {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    const size_t n = bytes.size();
    owner_.post(
        [slot = slot_, bytes = std::move(bytes)] {
          if (slot->sink) slot->sink->write(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        },
        n);
  }
  // Synchronous: the caller fstat()s the source right after to know the copy
  // is not torn, so the bytes must be in the temp file when this returns.
  // The sink was opened on the thread; the copy runs there too, after the
  // previous file's commit (rename, metadata).
  std::optional<uint64_t> copy_from_fd(int src_fd, uint64_t max_bytes) override {
    owner_.run_now([slot = slot_, src_fd, max_bytes] {
      slot->copied = slot->sink ? slot->sink->copy_from_fd(src_fd, max_bytes) : std::nullopt;
    });
    return slot_->copied;
  }
  void commit(const Entry& entry) override {
    open_ = false;
    owner_.post(
        [slot = slot_, entry] {
          std::unique_ptr<FileSink> sink = std::move(slot->sink);
          if (sink) sink->commit(entry);
        },
        0);
  }
  void abort() noexcept override {
    if (!open_) return;
    open_ = false;
    owner_.post_cleanup([slot = slot_] {
      if (slot->sink) slot->sink->abort();
      slot->sink.reset();
    });
  }

 private:
  PipelinedDestination& owner_;
  std::shared_ptr<SinkSlot> slot_;
  bool open_ = true;
};

std::unique_ptr<FileSink> PipelinedDestination::open_file(const std::string& path) {
  auto slot = std::make_shared<SinkSlot>();
  post([this, slot, path] { slot->sink = inner_->open_file(path); }, 0);
  return std::make_unique<PipelinedSink>(*this, std::move(slot));
}

}  // namespace

std::unique_ptr<Destination> make_pipelined_destination(std::unique_ptr<Destination> inner) {
  return std::make_unique<PipelinedDestination>(std::move(inner));
}

}  // namespace galaxis::fsmirror
