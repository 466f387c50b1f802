#pragma once
// The agent's Lua scripts, compiled in from lua/*.lua (cmake/embed_text.cmake).

namespace panoptes::agent {

extern const char* const kStepLua;
extern const char* const kHandBackLua;
extern const char* const kReapLua;
extern const char* const kDeadLetterLua;

}  // namespace panoptes::agent
