// ssh_pump.h (private to fsmirror/src) — one thread that owns an SSH
// channel's I/O, so encryption overlaps reading and hashing the files.
//
// Why: libssh2 1.10 encrypts on the calling thread (AES-CTR one 16-byte block
// per EVP call, plus HMAC-SHA2): with the sender reading, hashing and
// encrypting on one thread, an initial copy over ssh was 0.82x rsync, whose
// sender and ssh client run as two processes. The pump thread makes every
// libssh2 call on the channel's session; the caller only queues buffers
// (bounded: write() blocks while kMaxQueued bytes wait) and takes received
// bytes. libssh2 is not thread-safe per session, so nothing else may touch
// the session while the pump runs (stop() hands it back).
//
// Between two buffers the thread reads whatever the far side has answered
// (non-blocking), so an answer the sender waits for is not stuck behind the
// queue. A network error is kept and thrown (kNetwork) from the caller's
// next write/flush/read_some.
//
// Reads are non-blocking calls and the thread waits on the socket itself
// (poll, woken by stop()): libssh2 reports the channel's end only once every
// packet queued for it is consumed, the far side's stderr included, so a
// blocking stdout read hung forever when the far side failed to start (exit
// 127, "not found" on stderr). The stderr bytes are kept (captured_stderr()).
#pragma once

#include <libssh2.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace galaxis::fsmirror {

class SshPump {
 public:
  // `socket`: the session's connected socket (waited on with poll).
  SshPump(LIBSSH2_SESSION* session, LIBSSH2_CHANNEL* channel, int socket, std::string where);
  ~SshPump();
  SshPump(const SshPump&) = delete;
  SshPump& operator=(const SshPump&) = delete;

  void write(const void* data, size_t size);
  // Hands the partly filled buffer to the thread (does not wait for the network).
  void flush();
  // Flushes, then returns at least one received byte; 0 = end of stream.
  size_t read_some(void* data, size_t size);
  // Sends what is queued (unless an error stopped it) and ends the thread.
  // Idempotent; never throws.
  void stop() noexcept;
  // What the far side wrote to stderr while the pump ran.
  std::string captured_stderr();

 private:
  static constexpr size_t kBufferSize = 256 << 10;
  static constexpr size_t kMaxQueued = 8 << 20;

  void run();
  void send_buffer(const std::string& buffer);  // pump thread; throws on error
  bool read_available(bool block);              // pump thread; returns whether bytes arrived
  void drain_stderr();                          // pump thread, non-blocking session
  void wait_for_socket();                       // pump thread: until readable/writable as libssh2 needs, or stop()
  void check_failed();                          // caller thread, lock held
  void push_locked(std::unique_lock<std::mutex>& lock);

  LIBSSH2_SESSION* session_;
  LIBSSH2_CHANNEL* channel_;
  int socket_;
  int wake_fd_;  // eventfd: stop() ends a wait_for_socket()
  std::string where_;

  std::mutex mu_;
  std::condition_variable cv_;  // both directions: queue/reader state changes
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  std::string rx_;
  bool rx_eof_ = false;
  bool reader_waiting_ = false;
  bool stopping_ = false;
  bool busy_ = false;  // the thread is inside a libssh2 call for a queued buffer
  std::string failure_;
  std::string stderr_;

  std::string out_;  // caller's buffer being filled (caller thread only)
  std::thread thread_;
};

}  // namespace galaxis::fsmirror
