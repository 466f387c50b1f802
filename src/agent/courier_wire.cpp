#include "agent/courier_wire.h"

#include <charconv>

namespace panoptes::agent {
namespace {

void Field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

std::string Frame(const std::vector<std::string>& fields) {
  std::string payload;
  for (const std::string& f : fields) Field(payload, f);
  return std::to_string(payload.size()) + "\n" + payload;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Status MakeStatus(int code, std::string message) {
  switch (static_cast<StatusCode>(code)) {
    case StatusCode::kOk: return Status::Ok();
    case StatusCode::kInvalidArgument: return Status::InvalidArgument(std::move(message));
    case StatusCode::kNotFound: return Status::NotFound(std::move(message));
    case StatusCode::kIOError: return Status::IOError(std::move(message));
    case StatusCode::kUnavailable: return Status::Unavailable(std::move(message));
    case StatusCode::kTimeout: return Status::Timeout(std::move(message));
    case StatusCode::kRedisError: return Status::RedisError(std::move(message));
    case StatusCode::kPythonError: return Status::PythonError(std::move(message));
    case StatusCode::kInternal: break;
  }
  return Status::Internal(std::move(message));
}

Status Broken(const std::string& what) {
  return Status::Internal("redis courier: malformed message: " + what);
}

}  // namespace

std::string EncodeJob(const CourierJob& job) {
  std::vector<std::string> fields = {std::to_string(job.id),
                                     std::to_string(static_cast<int>(job.op)),
                                     std::string(KindName(job.kind)),
                                     std::to_string(job.ttl_ms),
                                     job.status,
                                     job.error};
  fields.insert(fields.end(), job.workers.begin(), job.workers.end());
  return Frame(fields);
}

std::string EncodeReply(const CourierReply& reply) {
  std::vector<std::string> fields = {
      std::to_string(reply.id), std::to_string(static_cast<int>(reply.status.code())),
      reply.status.message(),   std::to_string(reply.a),
      std::to_string(reply.b),  std::to_string(reply.c)};
  fields.insert(fields.end(), reply.texts.begin(), reply.texts.end());
  return Frame(fields);
}

Result<CourierJob> DecodeJob(const std::vector<std::string>& fields) {
  if (fields.size() < 6) return Broken("a job has " + std::to_string(fields.size()) + " fields");
  CourierJob job;
  int op = 0;
  auto kind = ParseKind(fields[2]);
  if (!ParseNumber(fields[0], job.id) || !ParseNumber(fields[1], op) || op < 1 || op > 7 || !kind ||
      !ParseNumber(fields[3], job.ttl_ms)) {
    return Broken("job header");
  }
  job.op = static_cast<CourierJob::Op>(op);
  job.kind = *kind;
  job.status = fields[4];
  job.error = fields[5];
  job.workers.assign(fields.begin() + 6, fields.end());
  bool one = job.op == CourierJob::Op::kReap || job.op == CourierJob::Op::kRegister ||
             job.op == CourierJob::Op::kQuarantinePlugin;
  if (one && job.workers.size() != 1) {
    return Broken("a job for one worker names " + std::to_string(job.workers.size()));
  }
  if (job.op == CourierJob::Op::kHandBack && job.workers.empty())
    return Broken("a hand-back names no worker");
  return job;
}

Result<CourierReply> DecodeReply(const std::vector<std::string>& fields) {
  CourierReply reply;
  int code = 0;
  if (fields.size() < 6 || !ParseNumber(fields[0], reply.id) || !ParseNumber(fields[1], code) ||
      !ParseNumber(fields[3], reply.a) || !ParseNumber(fields[4], reply.b) ||
      !ParseNumber(fields[5], reply.c)) {
    return Broken("reply");
  }
  reply.status = MakeStatus(code, fields[2]);
  reply.texts.assign(fields.begin() + 6, fields.end());
  return reply;
}

Result<std::optional<std::vector<std::string>>> FrameReader::Next() {
  size_t nl = buffer_.find('\n');
  if (nl == std::string::npos) {
    if (buffer_.size() > 20) return Broken("frame length");
    return std::optional<std::vector<std::string>>();
  }
  size_t length = 0;
  if (!ParseNumber(std::string_view(buffer_).substr(0, nl), length)) return Broken("frame length");
  if (buffer_.size() - nl - 1 < length) return std::optional<std::vector<std::string>>();
  std::string_view payload = std::string_view(buffer_).substr(nl + 1, length);
  std::vector<std::string> fields;
  while (!payload.empty()) {
    size_t colon = payload.find(':');
    size_t n = 0;
    if (colon == std::string_view::npos || !ParseNumber(payload.substr(0, colon), n) ||
        payload.size() - colon - 1 < n) {
      return Broken("field");
    }
    fields.emplace_back(payload.substr(colon + 1, n));
    payload.remove_prefix(colon + 1 + n);
  }
  buffer_.erase(0, nl + 1 + length);
  return std::optional<std::vector<std::string>>(std::move(fields));
}

}  // namespace panoptes::agent
