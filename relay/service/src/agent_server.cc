#include "galaxis/relay/agent_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <exception>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::relay {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Shared {
  std::function<std::string()> reply;
  AgentLimits limits;
  unsigned active = 0;  // I/O thread only
};

// One connection: write the line, then close. The timer closes a peer that
// does not take the bytes in time.
class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  AgentSession(tcp::socket socket, std::shared_ptr<Shared> shared)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), shared_(std::move(shared)) {
    ++shared_->active;
  }
  ~AgentSession() { --shared_->active; }

  void start() {
    try {
      line_ = shared_->reply();
    } catch (const std::exception& e) {
      log::warn("agent-check: computing the reply failed, answering down: {}", e.what());
      line_ = "down\n";
    }
    if (line_.empty() || line_.back() != '\n') line_ += '\n';
    auto self = shared_from_this();
    timer_.expires_after(shared_->limits.write_timeout);
    timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    asio::async_write(socket_, asio::buffer(line_), [self](boost::system::error_code ec, size_t) {
      if (ec) log::debug("agent-check: write: {}", ec.message());
      boost::system::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
      self->socket_.close(ignored);
      self->timer_.cancel();
    });
  }

 private:
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<Shared> shared_;
  std::string line_;
};

}  // namespace

struct AgentServer::Impl {
  explicit Impl(std::shared_ptr<Shared> s) : shared(std::move(s)), acceptor(io) {}

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        log::debug("agent-check: accept: {}", ec.message());
      } else if (shared->active >= shared->limits.max_connections) {
        log::debug("agent-check: {} connections open, refusing one more", shared->active);
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<AgentSession>(std::move(socket), shared)->start();
      }
      accept();
    });
  }

  std::shared_ptr<Shared> shared;
  asio::io_context io;
  tcp::acceptor acceptor;
  uint16_t port = 0;
  std::thread thread;
};

AgentServer::AgentServer(const http::ListenAddress& address, std::function<std::string()> reply, AgentLimits limits)
    : impl_(std::make_unique<Impl>(std::make_shared<Shared>(Shared{std::move(reply), limits, 0}))) {
  const tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  boost::system::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw_error(Error::Kind::kIo, "agent-check: cannot listen on {}:{}: {}", address.host, address.port, ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
}

AgentServer::~AgentServer() { stop(); }

uint16_t AgentServer::port() const { return impl_->port; }

void AgentServer::start() {
  if (impl_->thread.joinable()) return;
  impl_->accept();
  impl_->thread = std::thread([this] {
    try {
      impl_->io.run();
    } catch (const std::exception& e) {
      log::error("agent-check server stopped: {}", e.what());
    }
  });
}

void AgentServer::stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    impl_->io.stop();
    impl_->thread.join();
  }
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace galaxis::relay
