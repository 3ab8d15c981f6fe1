// The SSH channel's I/O thread (ssh_pump.h).
#include "ssh_pump.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {
namespace {

std::string last_error(LIBSSH2_SESSION* session) {
  char* msg = nullptr;
  int len = 0;
  libssh2_session_last_error(session, &msg, &len, 0);
  return msg != nullptr ? std::string(msg, static_cast<size_t>(len)) : "unknown libssh2 error";
}

}  // namespace

SshPump::SshPump(LIBSSH2_SESSION* session, LIBSSH2_CHANNEL* channel, int socket, std::string where)
    : session_(session),
      channel_(channel),
      socket_(socket),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      where_(std::move(where)) {
  if (wake_fd_ < 0) throw_error(Error::Kind::kIo, "ssh {}: eventfd: {}", where_, std::strerror(errno));
  out_.reserve(kBufferSize);
  thread_ = std::thread([this] { run(); });
}

SshPump::~SshPump() {
  stop();
  ::close(wake_fd_);
}

std::string SshPump::captured_stderr() {
  std::lock_guard<std::mutex> lock(mu_);
  return stderr_;
}

void SshPump::check_failed() {
  if (!failure_.empty()) throw_error(Error::Kind::kNetwork, "ssh {}: {}", where_, failure_);
  if (stopping_) throw_error(Error::Kind::kRuntime, "ssh {}: the channel was closed", where_);
}

void SshPump::push_locked(std::unique_lock<std::mutex>& lock) {
  // Bounded: the reader of the files must not run ahead of the network by
  // more than kMaxQueued bytes (memory stays flat for any tree).
  cv_.wait(lock, [&] { return queued_bytes_ < kMaxQueued || !failure_.empty() || stopping_; });
  check_failed();
  queued_bytes_ += out_.size();
  queue_.push_back(std::move(out_));
  out_ = std::string();
  out_.reserve(kBufferSize);
  cv_.notify_all();
}

void SshPump::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const size_t n = std::min(size, kBufferSize - out_.size());
    out_.append(p, n);
    p += n;
    size -= n;
    if (out_.size() >= kBufferSize) {
      std::unique_lock<std::mutex> lock(mu_);
      push_locked(lock);
    }
  }
}

void SshPump::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (out_.empty()) {
    check_failed();
    return;
  }
  push_locked(lock);
}

size_t SshPump::read_some(void* data, size_t size) {
  flush();
  std::unique_lock<std::mutex> lock(mu_);
  reader_waiting_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return !rx_.empty() || rx_eof_ || !failure_.empty(); });
  reader_waiting_ = false;
  if (!rx_.empty()) {
    const size_t n = std::min(size, rx_.size());
    std::memcpy(data, rx_.data(), n);
    rx_.erase(0, n);
    return n;
  }
  if (rx_eof_) return 0;
  check_failed();
  return 0;  // unreachable: check_failed threw
}

void SshPump::stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
}

void SshPump::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] {
      return !queue_.empty() || (reader_waiting_ && rx_.empty() && !rx_eof_) || stopping_ || !failure_.empty();
    });
    if (!failure_.empty()) return;
    try {
      if (!queue_.empty()) {
        std::string buffer = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        send_buffer(buffer);
        // Answers (file commits) arrive while data flows: take them now so
        // the sender waiting for one is not stuck behind the whole queue.
        read_available(false);
        lock.lock();
        queued_bytes_ -= buffer.size();
        cv_.notify_all();
      } else if (reader_waiting_ && rx_.empty() && !rx_eof_) {
        lock.unlock();
        read_available(true);
        lock.lock();
        cv_.notify_all();
      } else if (stopping_) {
        return;
      }
    } catch (const std::exception& e) {
      if (!lock.owns_lock()) lock.lock();
      failure_ = e.what();
      cv_.notify_all();
      return;
    }
  }
}

void SshPump::send_buffer(const std::string& buffer) {
  size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = libssh2_channel_write(channel_, buffer.data() + done, buffer.size() - done);
    if (n == LIBSSH2_ERROR_EAGAIN) continue;
    if (n < 0) throw_error(Error::Kind::kNetwork, "write: {}", last_error(session_));
    done += static_cast<size_t>(n);
  }
}

bool SshPump::read_available(bool block) {
  char buf[64 << 10];
  bool got = false;
  libssh2_session_set_blocking(session_, 0);
  struct BlockingAgain {
    LIBSSH2_SESSION* session;
    ~BlockingAgain() { libssh2_session_set_blocking(session, 1); }
  } blocking_again{session_};
  while (true) {
    const ssize_t n = libssh2_channel_read(channel_, buf, sizeof(buf));
    if (n > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      rx_.append(buf, static_cast<size_t>(n));
      got = true;
      if (block) break;
      continue;
    }
    if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) throw_error(Error::Kind::kNetwork, "read: {}", last_error(session_));
    drain_stderr();  // else the channel's EOF is never reported (see the header)
    if (libssh2_channel_eof(channel_)) {
      std::lock_guard<std::mutex> lock(mu_);
      rx_eof_ = true;
      break;
    }
    if (!block) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    // Reading stderr may have taken stdout packets off the socket into
    // libssh2's queue: the socket would then stay quiet with the answer
    // already here. Wait only when nothing is queued for the channel.
    if (libssh2_poll_channel_read(channel_, 1) > 0) continue;
    wait_for_socket();
  }
  return got;
}

void SshPump::drain_stderr() {
  char buf[4096];
  while (true) {
    const ssize_t n = libssh2_channel_read_stderr(channel_, buf, sizeof(buf));
    if (n <= 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    // Bounded: only the start of it names the problem.
    if (stderr_.size() < (64 << 10)) stderr_.append(buf, static_cast<size_t>(n));
  }
}

void SshPump::wait_for_socket() {
  const int directions = libssh2_session_block_directions(session_);
  pollfd fds[2] = {{socket_, 0, 0}, {wake_fd_, POLLIN, 0}};
  if ((directions & LIBSSH2_SESSION_BLOCK_INBOUND) != 0) fds[0].events |= POLLIN;
  if ((directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0) fds[0].events |= POLLOUT;
  if (fds[0].events == 0) fds[0].events = POLLIN;
  while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
  }
}

}  // namespace galaxis::fsmirror
