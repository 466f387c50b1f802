#pragma once
// The Python half of the `panoptes` module (src/python/py/), compiled into the binary by
// embed_py.cmake. Read-only data; thread-safe.

#include <cstddef>

namespace panoptes::python {

struct EmbeddedSource {
  const char* module;    // "panoptes", "panoptes.metrics", ...
  const char* filename;  // shown in tracebacks, "<embedded>/panoptes/metrics.py"
  const char* source;
  bool is_package;
};

extern const EmbeddedSource kEmbeddedSources[];
extern const size_t kEmbeddedSourceCount;
// Installs the importer for kEmbeddedSources and the yahoo_panoptes.* aliases (py/bootstrap.py).
extern const char* const kBootstrapSource;

}  // namespace panoptes::python
