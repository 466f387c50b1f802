// panoptes_python_tests [--path DIR]... FILE.py...: runs Python unittest files inside the real
// embedded interpreter (python::Interpreter, the same isolated configuration as the daemons, with
// the embedded panoptes and yahoo_panoptes modules). Each --path is prepended to sys.path, as
// [python] path is. Exit status 0 when every test passed (skips count as passed), 1 otherwise, 2 on
// bad usage.
#include <cstdio>
#include <string>
#include <vector>

#include "python/host.h"

namespace {

// Python that runs the tests of one file as module `name`; raises when any test failed or erred.
std::string RunFileCode(const std::string& file) {
  std::string quoted;
  for (char c : file) {
    if (c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  return "import importlib.util, os, sys, unittest\n"
         "_file = '" +
         quoted +
         "'\n"
         "_name = 'test_' + os.path.splitext(os.path.basename(_file))[0].replace('-', '_')\n"
         "_spec = importlib.util.spec_from_file_location(_name, _file)\n"
         "_module = importlib.util.module_from_spec(_spec)\n"
         "sys.modules[_name] = _module\n"
         "sys.path.insert(0, os.path.dirname(os.path.abspath(_file)))\n"
         "_spec.loader.exec_module(_module)\n"
         "_suite = unittest.defaultTestLoader.loadTestsFromModule(_module)\n"
         "_result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2).run(_suite)\n"
         "if not _result.wasSuccessful():\n"
         "    raise AssertionError('%s: %d failed, %d errors' % (_file, len(_result.failures), "
         "len(_result.errors)))\n"
         "if _result.testsRun == 0:\n"
         "    raise AssertionError(_file + ': no tests found')\n";
}

}  // namespace

int main(int argc, char** argv) {
  panoptes::python::InterpreterOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--path" && i + 1 < argc) {
      options.path.push_back(argv[++i]);
    } else if (!arg.empty() && arg[0] != '-') {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "usage: %s [--path DIR]... FILE.py...\n", argv[0]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--path DIR]... FILE.py...\n", argv[0]);
    return 2;
  }
  auto interpreter = panoptes::python::Interpreter::Start(options);
  if (!interpreter.ok()) {
    std::fprintf(stderr, "error: %s\n", interpreter.status().ToString().c_str());
    return 1;
  }
  int status = 0;
  for (const auto& file : files) {
    panoptes::Status st = (*interpreter)->Exec(RunFileCode(file));
    if (!st.ok()) {
      std::fprintf(stderr, "FAILED %s\n%s\n", file.c_str(), st.message().c_str());
      status = 1;
    }
  }
  return status;
}
