// The program the validator unit tests exec as their code validator helper (validator.h: the helper
// is always this kind of program in its hidden mode). Its hooks are fakes: the text of a plugin's
// module says what the check does: OK, FAIL, CRASH, EXIT, HANG (which first creates
// "<module>.started" so that a test knows the import is under way). Hook arguments:
// "init-fails" makes init fail; "refuse-if=<path>" makes the helper exit with code 3 before it
// answers while <path> exists (a helper that cannot start).

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "scheduler/validator.h"

namespace {

using panoptes::PluginInfo;
using panoptes::Status;
using panoptes::scheduler::ValidatorHooks;

Status FakeCheck(const PluginInfo& info) {
  std::ifstream in(info.module_path);
  std::string what((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (what == "FAIL") return Status::PythonError("SyntaxError at line 3");
  if (what == "CRASH") {
    // The default action, whoever installed a handler: under ASan its SEGV handler would report
    // and exit 1 instead of dying of signal 11, which is what the test checks.
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
  }
  if (what == "EXIT") _exit(3);
  if (what == "HANG") {
    std::ofstream(info.module_path + ".started") << "started";
    std::this_thread::sleep_for(std::chrono::hours(1));
  }
  return Status::Ok();
}

ValidatorHooks MakeHooks(const std::vector<std::string>& args) {
  ValidatorHooks hooks{nullptr, FakeCheck};
  for (const std::string& arg : args) {
    if (arg == "init-fails") hooks.init = [] { return Status::PythonError("no interpreter"); };
    if (arg.rfind("refuse-if=", 0) == 0 && std::filesystem::exists(arg.substr(10))) _exit(3);
  }
  return hooks;
}

}  // namespace

int main(int argc, char** argv) {
  if (!panoptes::scheduler::IsValidatorHelper(argc, argv)) {
    std::fprintf(stderr, "validator_test_helper: only the validator tests run this\n");
    return 2;
  }
  return panoptes::scheduler::RunValidatorHelper(argc, argv, MakeHooks);
}
