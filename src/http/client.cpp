#include "http/client.h"

#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace panoptes::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Beast's timeouts apply to asynchronous operations only: each request runs its async chain on a
// private io_context until it completes, which gives a synchronous call with a deadline.
struct Client::Impl {
  Impl(std::string h, int p, std::chrono::milliseconds t) : host(std::move(h)), port(p), timeout(t) {}

  std::string host;
  int port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  std::string Where() const { return host + ":" + std::to_string(port); }

  void Drop() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
    stream.reset();
    buffer.clear();
  }

  // Runs the io_context until the pending operations finish.
  void RunToCompletion() {
    io.restart();
    io.run();
  }

  beast::error_code Connect() {
    beast::error_code ec;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return ec;
    stream.emplace(io);
    stream->expires_after(timeout);
    stream->async_connect(results, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    RunToCompletion();
    if (ec) Drop();
    return ec;
  }

  // One exchange on the open stream. `sent` tells whether the request reached the socket.
  beast::error_code Exchange(bhttp::request<bhttp::string_body>& req,
                             bhttp::response<bhttp::string_body>& res, bool& sent) {
    beast::error_code ec;
    sent = false;
    stream->expires_after(timeout);
    bhttp::async_write(*stream, req, [&](beast::error_code e, size_t) {
      ec = e;
      if (e) return;
      sent = true;
      bhttp::async_read(*stream, buffer, res, [&ec](beast::error_code e2, size_t) { ec = e2; });
    });
    RunToCompletion();
    return ec;
  }
};

Client::Client(std::string host, int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}

Client::~Client() {
  impl_->Drop();
}

Result<ClientResponse> Client::Request(const std::string& method, const std::string& target, std::string body,
                                       const Headers& headers) {
  Impl& d = *impl_;
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, d.host + ":" + std::to_string(d.port));
  req.set(bhttp::field::user_agent, "panoptes-consumer");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.keep_alive(true);
  req.prepare_payload();
  // A kept connection may have been closed by the server while idle: the first attempt on a reused
  // connection that fails before anything was read gets one fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = d.stream.has_value();
    if (!reused) {
      if (auto ec = d.Connect()) {
        return Status::Unavailable("http " + d.Where() + ": connect: " + ec.message());
      }
    }
    bhttp::response<bhttp::string_body> res;
    bool sent = false;
    auto ec = d.Exchange(req, res, sent);
    if (!ec) {
      if (!res.keep_alive()) d.Drop();
      return ClientResponse{static_cast<int>(res.result_int()), std::move(res.body())};
    }
    d.Drop();
    bool stale = reused && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                            ec == asio::error::broken_pipe || ec == asio::error::eof);
    if (!stale || attempt == 1) {
      return Status::Unavailable("http " + d.Where() + ": " + method + " " + target + ": " + ec.message());
    }
  }
  return Status::Unavailable("http " + d.Where() + ": unreachable");
}

std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace panoptes::http
