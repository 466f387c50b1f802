#include "support/influxdb_server.h"

#include <signal.h>

#include <chrono>

#include <gtest/gtest.h>

#include "http/client.h"
#include "support/child_process.h"

namespace panoptes::testing {
namespace {

std::string Config(const std::string& dir, int rpc_port, int http_port) {
  return "reporting-disabled = true\n"
         "bind-address = \"127.0.0.1:" +
         std::to_string(rpc_port) +
         "\"\n"
         "[meta]\n  dir = \"" +
         dir +
         "/meta\"\n"
         "[data]\n  dir = \"" +
         dir + "/data\"\n  wal-dir = \"" + dir +
         "/wal\"\n"
         "  query-log-enabled = false\n"
         "[monitor]\n  store-enabled = false\n"
         "[subscriber]\n  enabled = false\n"
         "[continuous_queries]\n  enabled = false\n"
         "[logging]\n  level = \"warn\"\n"
         "[http]\n  bind-address = \"127.0.0.1:" +
         std::to_string(http_port) +
         "\"\n"
         "  log-enabled = false\n";
}

bool Pings(int port) {
  http::Client client("127.0.0.1", port, std::chrono::milliseconds(500));
  auto r = client.Request("GET", "/ping", "");
  return r.ok() && r->status == 204;
}

}  // namespace

InfluxServer::InfluxServer() : rpc_port_(FreeLoopbackPort()), http_port_(FreeLoopbackPort()) {
  config_path_ = dir_.Write("influxdb.conf", Config(dir_.path(), rpc_port_, http_port_));
}

InfluxServer::~InfluxServer() {
  Stop();
}

bool InfluxServer::Start() {
  if (pid_ > 0) return true;
  std::string log = dir_.path() + "/influxd.log";
  pid_ = SpawnChild({"/usr/bin/influxd", "-config", config_path_}, log);
  bool exited = false;
  bool up = WaitUntil(
      [&] {
        if (ChildExited(pid_)) {
          exited = true;
          return true;
        }
        return Pings(http_port_);
      },
      std::chrono::seconds(30));
  if (!up || exited) {
    if (exited) pid_ = -1;
    Stop();
    ADD_FAILURE() << "influxd did not answer /ping on 127.0.0.1:" << http_port_
                  << (exited ? " (it exited)" : "") << "; see " << log;
    return false;
  }
  return true;
}

void InfluxServer::Stop() {
  StopChild(pid_, SIGTERM);
}

void InfluxServer::Kill() {
  StopChild(pid_, SIGKILL);
}

nlohmann::json InfluxServer::Query(const std::string& database, const std::string& q) const {
  http::Client client("127.0.0.1", http_port_, std::chrono::seconds(10));
  auto r = client.Request("POST", "/query?epoch=s&db=" + http::UrlEncode(database), "q=" + http::UrlEncode(q),
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  if (!r.ok() || r->status != 200) return nullptr;
  return nlohmann::json::parse(r->body, nullptr, false);
}

std::vector<nlohmann::json> InfluxServer::Rows(const std::string& database, const std::string& q) const {
  std::vector<nlohmann::json> rows;
  nlohmann::json answer = Query(database, q);
  if (!answer.is_object()) return rows;
  const auto& results = answer.value("results", nlohmann::json::array());
  if (results.empty() || !results[0].contains("series")) return rows;
  const auto& series = results[0]["series"][0];
  for (const auto& values : series["values"]) {
    nlohmann::json row = nlohmann::json::object();
    for (size_t i = 0; i < series["columns"].size() && i < values.size(); ++i) {
      row[series["columns"][i].get<std::string>()] = values[i];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t InfluxServer::CountPoints(const std::string& database, const std::string& measurement) const {
  // Every point written by the consumer has its fields in one line; count the time column.
  auto rows = Rows(database, "SELECT * FROM \"" + measurement + "\"");
  return static_cast<int64_t>(rows.size());
}

}  // namespace panoptes::testing
