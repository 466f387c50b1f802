#pragma once
// The agent's Lua scripts, compiled in from lua/*.lua (cmake/embed_text.cmake).

namespace panoptes::agent {

extern const char* const kStepLua;
extern const char* const kHandBackLua;
extern const char* const kReapLua;
extern const char* const kDeadLetterLua;
extern const char* const kOutcomeLua;  // prepended to kStepLua and kReapLua
extern const char* const kQuarantinePluginLua;
extern const char* const kUnquarantineLua;
extern const char* const kHealthReportLua;

}  // namespace panoptes::agent
