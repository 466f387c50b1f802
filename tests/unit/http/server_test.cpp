#include "http/server.h"

#include <boost/asio.hpp>

#include <gtest/gtest.h>

namespace panoptes::http {
namespace {

namespace asio = boost::asio;

// A blocking HTTP/1.0 GET; returns the whole response (status line, headers, body).
std::string Get(int port, const std::string& path) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  asio::write(socket, asio::buffer(req));
  std::string out;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(out), ec);
  return out;
}

TEST(Unit, ThreadedServerServesMetricsHealthAndNotFound) {
  bool healthy = true;
  auto server = StartThreadedServer({"127.0.0.1", 0}, {[] { return std::string("m_total 1\n"); },
                                                       [&]() -> std::optional<std::string> {
                                                         if (healthy) return std::nullopt;
                                                         return "redis unreachable";
                                                       }});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  std::string metrics = Get(port, "/metrics");
  EXPECT_NE(metrics.find("200 OK"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("m_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(Get(port, "/healthz").find("200 OK"), std::string::npos);
  healthy = false;
  std::string health = Get(port, "/healthz");
  EXPECT_NE(health.find("503"), std::string::npos) << health;
  EXPECT_NE(health.find("redis unreachable"), std::string::npos) << health;
  EXPECT_NE(Get(port, "/nope").find("404"), std::string::npos);
}

TEST(Unit, ServerOnCallersIoContextAnswers) {
  asio::io_context io;
  auto server = Server::Listen(io, {"127.0.0.1", 0}, {[] { return std::string("x 2\n"); }, nullptr});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int port = (*server)->port();
  std::string response;
  std::thread client([&] {
    response = Get(port, "/metrics");
    io.stop();
  });
  io.run_for(std::chrono::seconds(10));
  client.join();
  EXPECT_NE(response.find("x 2\n"), std::string::npos) << response;
}

TEST(Unit, ListenOnABusyPortNamesTheAddress) {
  asio::io_context io;
  auto first = Server::Listen(io, {"127.0.0.1", 0}, {});
  ASSERT_TRUE(first.ok());
  auto second = Server::Listen(io, {"127.0.0.1", (*first)->port()}, {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string((*first)->port())),
            std::string::npos)
      << second.status().message();
}

}  // namespace
}  // namespace panoptes::http
