#pragma once
// A small synchronous HTTP/1.1 client (Boost.Beast, only in client.cpp) for the consumer's writes to
// a time-series database. One Client is one keep-alive connection to one host:port; it is not
// thread-safe. Every call is bounded by the request timeout (connect, write and read together).
// A kept connection the server closed meanwhile is reopened once, transparently, before a request
// is sent; a failure after the request went out is returned (the caller decides whether to retry:
// the request may or may not have been applied).

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::http {

struct ClientResponse {
  int status = 0;  // HTTP status code
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Client {
 public:
  Client(std::string host, int port, std::chrono::milliseconds timeout);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `method` is "GET" or "POST"; `target` the path with its query, already URL-encoded.
  // On success any HTTP status (the caller judges it); kUnavailable naming host:port on a
  // connection failure or timeout.
  Result<ClientResponse> Request(const std::string& method, const std::string& target, std::string body,
                                 const Headers& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes `s` for a query string value (RFC 3986 unreserved characters stay).
std::string UrlEncode(const std::string& s);

}  // namespace panoptes::http
