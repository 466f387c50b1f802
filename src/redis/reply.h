#pragma once
// RESP2 parsing into redis::Reply without a connection: for tests and tools that hold raw protocol
// bytes. The client converts replies with the same code. Pure functions, thread-safe.

#include <string_view>

#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::redis {

// Parses exactly one complete RESP2 reply from `resp`. kInvalidArgument when the bytes are not
// valid RESP, are incomplete, or hold more than one reply.
Result<Reply> ParseReply(std::string_view resp);

}  // namespace panoptes::redis
