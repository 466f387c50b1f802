// bench_python_host: `python3` as a program of ours, linked to the libpython the agent embeds
// (CMakeLists.txt says why). Nothing but the interpreter's own main.
#include <Python.h>

int main(int argc, char** argv) {
  return Py_BytesMain(argc, argv);
}
