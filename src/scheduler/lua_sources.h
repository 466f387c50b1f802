#pragma once
// The scheduler's Lua scripts, compiled in from lua/*.lua (cmake/embed_text.cmake).

namespace panoptes::scheduler {

extern const char* const kDispatchLua;

}  // namespace panoptes::scheduler
