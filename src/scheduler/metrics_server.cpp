#include "scheduler/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

namespace panoptes::scheduler {
namespace {

// A deliberately small HTTP/1.0-style responder: one request per connection, GET only.
class SocketMetricsServer : public MetricsServer {
 public:
  SocketMetricsServer(int fd, int port, std::function<std::string()> render)
      : fd_(fd), port_(port), render_(std::move(render)) {
    if (fd_ >= 0) thread_ = std::thread([this] { Serve(); });
  }
  ~SocketMetricsServer() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  int port() const override { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      timeval tv{2, 0};
      setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      Answer(conn);
      close(conn);
    }
  }

  void Answer(int conn) {
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
      ssize_t n = recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    std::string status = "404 Not Found", type = "text/plain", body = "not found\n";
    if (request.rfind("GET /metrics", 0) == 0) {
      status = "200 OK";
      type = "text/plain; version=0.0.4";
      body = render_();
    } else if (request.rfind("GET /healthz", 0) == 0) {
      status = "200 OK";
      body = "ok\n";
    }
    std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                           "\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n" + body;
    size_t done = 0;
    while (done < response.size()) {
      ssize_t n = send(conn, response.data() + done, response.size() - done, MSG_NOSIGNAL);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }

  int fd_;
  int port_;
  std::function<std::string()> render_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<MetricsServer>> StartMetricsServer(const HostPort& listen,
                                                          std::function<std::string()> render) {
  if (listen.port == 0)
    return std::unique_ptr<MetricsServer>(new SocketMetricsServer(-1, 0, std::move(render)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(listen.port));
  std::string host = listen.host == "localhost" ? "127.0.0.1" : listen.host;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument(listen.ToString() + ": not an IPv4 address");
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 16) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return Status::IOError(listen.ToString() + ": " + why);
  }
  return std::unique_ptr<MetricsServer>(new SocketMetricsServer(fd, listen.port, std::move(render)));
}

}  // namespace panoptes::scheduler
