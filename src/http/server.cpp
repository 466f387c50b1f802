#include "http/server.h"

#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/logging.h"

namespace panoptes::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

Response Answer(const Handlers& handlers, const Request& req) {
  Response res;
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set(bhttp::field::server, "panoptes");
  std::string target(req.target());
  if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    res.result(bhttp::status::method_not_allowed);
    res.body() = "method not allowed\n";
  } else if (target == "/metrics") {
    res.result(bhttp::status::ok);
    res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = handlers.metrics ? handlers.metrics() : "";
  } else if (target == "/healthz") {
    std::optional<std::string> problem = handlers.health ? handlers.health() : std::nullopt;
    res.result(problem ? bhttp::status::service_unavailable : bhttp::status::ok);
    res.set(bhttp::field::content_type, "text/plain");
    res.body() = problem ? *problem + "\n" : "ok\n";
  } else {
    res.result(bhttp::status::not_found);
    res.body() = "not found\n";
  }
  res.prepare_payload();
  return res;
}

// One connection: read a request, answer, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const Handlers> handlers)
      : socket_(std::move(socket)), handlers_(std::move(handlers)) {}
  void Start() { Read(); }

 private:
  void Read() {
    req_ = {};
    bhttp::async_read(socket_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->res_ = std::make_shared<Response>(Answer(*self->handlers_, self->req_));
      bhttp::async_write(self->socket_, *self->res_, [self](beast::error_code wec, size_t) {
        if (wec || !self->res_->keep_alive()) return self->Close();
        self->Read();
      });
    });
  }
  void Close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  std::shared_ptr<const Handlers> handlers_;
  beast::flat_buffer buffer_;
  Request req_;
  std::shared_ptr<Response> res_;
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, Handlers h)
      : acceptor(io), handlers(std::make_shared<const Handlers>(std::move(h))) {}
  void Accept() {
    acceptor.async_accept([weak = weak_from_this()](beast::error_code ec, tcp::socket socket) {
      auto self = weak.lock();
      if (!self || ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), self->handlers)->Start();
      self->Accept();
    });
  }
  tcp::acceptor acceptor;
  std::shared_ptr<const Handlers> handlers;
};

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

int Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

Result<std::unique_ptr<Server>> Server::Listen(asio::io_context& io, const HostPort& listen,
                                               Handlers handlers) {
  auto impl = std::make_shared<Impl>(io, std::move(handlers));
  beast::error_code ec;
  auto address = asio::ip::make_address(listen.host, ec);
  if (ec) return Status::InvalidArgument("http listen address " + listen.ToString() + ": " + ec.message());
  tcp::endpoint endpoint(address, static_cast<unsigned short>(listen.port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("http listen " + listen.ToString() + ": " + ec.message());
  impl->Accept();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

namespace {

class ThreadedServerImpl : public ThreadedServer {
 public:
  ~ThreadedServerImpl() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const override { return port_; }
  Status Start(const HostPort& listen, Handlers handlers) {
    auto server = Server::Listen(io_, listen, std::move(handlers));
    if (!server.ok()) return server.status();
    server_ = std::move(server).value();
    port_ = server_->port();
    // The thread boundary: a handler that throws is logged and the server serves on.
    thread_ = std::thread([this] {
      while (true) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          core::Logger("http")->error("http handler failed (serving on): {}", e.what());
        } catch (...) {
          core::Logger("http")->error("http handler failed with a non-standard exception (serving on)");
        }
      }
    });
    return Status::Ok();
  }

 private:
  asio::io_context io_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

Result<std::unique_ptr<ThreadedServer>> StartThreadedServer(const HostPort& listen, Handlers handlers) {
  auto server = std::make_unique<ThreadedServerImpl>();
  PANOPTES_RETURN_IF_ERROR(server->Start(listen, std::move(handlers)));
  return std::unique_ptr<ThreadedServer>(std::move(server));
}

}  // namespace panoptes::http
