#include "consumer/influx_writer.h"

namespace panoptes::consumer {
namespace {

std::string WriteTarget(const ConsumerConfig& c) {
  std::string db = http::UrlEncode(c.influxdb_database);
  if (c.influxdb_api == "v2") {
    std::string target = c.influxdb_url.path + "/api/v2/write?bucket=" + db + "&precision=s";
    if (!c.influxdb_org.empty()) target += "&org=" + http::UrlEncode(c.influxdb_org);
    return target;
  }
  return c.influxdb_url.path + "/write?db=" + db + "&precision=s";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s.size() > 500 ? s.substr(0, 500) + "..." : s;
}

}  // namespace

InfluxWriter::InfluxWriter(const ConsumerConfig& config)
    : config_(config),
      client_(config.influxdb_url.host, config.influxdb_url.port,
              std::chrono::milliseconds(config.request_timeout_ms)),
      write_target_(WriteTarget(config)) {
  headers_.emplace_back("Content-Type", "text/plain; charset=utf-8");
  if (!config.influxdb_token.empty())
    headers_.emplace_back("Authorization", "Token " + config.influxdb_token);
}

Status InfluxWriter::EnsureDatabase() {
  if (config_.influxdb_api != "v1" || !config_.create_database) return Status::Ok();
  std::string name = config_.influxdb_database;
  std::string quoted;
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  http::Headers headers = headers_;
  headers[0] = {"Content-Type", "application/x-www-form-urlencoded"};
  auto r = client_.Request("POST", config_.influxdb_url.path + "/query",
                           "q=" + http::UrlEncode("CREATE DATABASE \"" + quoted + "\""), headers);
  if (!r.ok()) return r.status();
  if (r->status / 100 != 2) {
    return Status::Unavailable("CREATE DATABASE " + name + " on " + config_.influxdb_url.ToString() +
                               ": HTTP " + std::to_string(r->status) + ": " + Trimmed(r->body));
  }
  return Status::Ok();
}

WriteOutcome InfluxWriter::Write(std::string_view body) {
  auto r = client_.Request("POST", write_target_, std::string(body), headers_);
  if (!r.ok()) return {WriteOutcome::Kind::kFailed, r.status().message()};
  if (r->status / 100 == 2) return {WriteOutcome::Kind::kOk, ""};
  std::string message = "HTTP " + std::to_string(r->status) + ": " + Trimmed(r->body);
  if (r->status == 400 || r->status == 413) return {WriteOutcome::Kind::kRejected, message};
  return {WriteOutcome::Kind::kFailed, message};
}

namespace {

// Delivers lines[begin, end); false on a failure (stored in d.failure).
bool DeliverRange(const std::vector<std::string>& lines, size_t begin, size_t end,
                  const std::function<WriteOutcome(std::string_view)>& write, Delivery& d) {
  std::string body;
  for (size_t i = begin; i < end; ++i) {
    body += lines[i];
    body.push_back('\n');
  }
  ++d.requests;
  WriteOutcome out = write(body);
  if (out.kind == WriteOutcome::Kind::kOk) return true;
  if (out.kind == WriteOutcome::Kind::kFailed) {
    d.failure = out.message;
    return false;
  }
  if (end - begin == 1) {
    d.rejected.push_back({begin, out.message});
    return true;
  }
  size_t mid = begin + (end - begin) / 2;
  return DeliverRange(lines, begin, mid, write, d) && DeliverRange(lines, mid, end, write, d);
}

}  // namespace

Delivery Deliver(const std::vector<std::string>& lines,
                 const std::function<WriteOutcome(std::string_view)>& write) {
  Delivery d;
  if (lines.empty()) {
    d.ok = true;
    return d;
  }
  d.ok = DeliverRange(lines, 0, lines.size(), write, d);
  if (!d.ok) d.rejected.clear();
  return d;
}

}  // namespace panoptes::consumer
