# Run once by the host at interpreter start as module `_panoptes_bootstrap`, with `_sources` =
# {module name: (file name, source, is_package)} of the embedded Python files (src/python/py/).
# Installs a meta-path finder, first in sys.meta_path, that imports them.
#
# `yahoo_panoptes` and each embedded package under it are open, like namespace packages: the
# embedded modules are found first (the finder comes before the path finder); any other submodule
# resolves from the directories <root>/yahoo_panoptes/<subpackage> that exist, for each root in
# sys.path (in order), then each root registered by add_plugin_module (the directory holding the
# yahoo_panoptes/ tree a loaded plugin module lives in). The list is recomputed on each import, so a
# root added later counts. Packages found in those trees (yahoo_panoptes.plugins, ...) are open the
# same way: parts of one tree may be spread over several roots.
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

_OPEN_ROOT = 'yahoo_panoptes'
_plugin_roots = []  # roots of loaded plugin modules, in the order first seen


def _roots():
    seen = []
    for root in list(sys.path) + _plugin_roots:
        if isinstance(root, str) and root not in seen:
            seen.append(root)
    return seen


class _OpenPath(object):
    """The __path__ of an open embedded package: the existing <root>/<package path> directories."""

    def __init__(self, parts):
        self._parts = parts
        self._extra = []

    def _dirs(self):
        dirs = []
        for root in _roots():
            d = os.path.join(root or os.curdir, *self._parts)
            if d not in dirs and os.path.isdir(d):
                dirs.append(d)
        return dirs + [d for d in self._extra if d not in dirs]

    def __iter__(self):
        return iter(self._dirs())

    def __len__(self):
        return len(self._dirs())

    def __getitem__(self, index):
        return self._dirs()[index]

    def __contains__(self, item):
        return item in self._dirs()

    def append(self, item):  # pkgutil.extend_path and the like
        self._extra.append(item)

    def __repr__(self):
        return '_OpenPath(%r)' % (self._dirs(),)


class _EmbeddedLoader(importlib.abc.InspectLoader):
    def __init__(self, sources):
        self._sources = sources

    def is_package(self, fullname):
        return self._sources[fullname][2]

    def get_source(self, fullname):
        return self._sources[fullname][1]

    def get_code(self, fullname):
        filename, source, _ = self._sources[fullname]
        return compile(source, filename, 'exec', dont_inherit=True)

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)


class _EmbeddedFinder(importlib.abc.MetaPathFinder):
    def __init__(self, sources):
        self._sources = sources
        self._loader = _EmbeddedLoader(sources)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._sources:
            return self._find_open(fullname, path, target)
        filename, _, is_package = self._sources[fullname]
        spec = importlib.util.spec_from_loader(fullname, self._loader, origin=filename, is_package=is_package)
        spec.has_location = False
        if is_package and (fullname == _OPEN_ROOT or fullname.startswith(_OPEN_ROOT + '.')):
            spec.submodule_search_locations = _OpenPath(fullname.split('.'))
        return spec

    @staticmethod
    def _find_open(fullname, path, target):
        # A package of a tree under yahoo_panoptes (yahoo_panoptes.plugins, ...) is open too: its
        # __init__ comes from the first tree that has it, its submodules from every tree.
        if path is None or not fullname.startswith(_OPEN_ROOT + '.'):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.submodule_search_locations is not None:
            spec.submodule_search_locations = _OpenPath(fullname.split('.'))
        return spec


def add_plugin_module(module_path):
    """Registers the roots of the yahoo_panoptes/ trees holding `module_path`: the parent of each of
    its ancestor directories named yahoo_panoptes."""
    parts = os.path.abspath(module_path).split(os.sep)
    for i in range(len(parts) - 2, 0, -1):  # innermost first; a root without the subpackage is skipped
        if parts[i] == _OPEN_ROOT:
            root = os.sep.join(parts[:i]) or os.sep
            if root not in _plugin_roots:
                _plugin_roots.append(root)


def module_origins(prefixes=(_OPEN_ROOT,)):
    """[(module name, origin)] of the imported modules named by or under `prefixes`, sorted: origin
    is the file (`<embedded>/...` for the embedded ones) or `namespace` for a namespace package."""
    out = []
    for name, module in list(sys.modules.items()):
        if not any(name == p or name.startswith(p + '.') for p in prefixes):
            continue
        spec = getattr(module, '__spec__', None)
        origin = getattr(spec, 'origin', None) or getattr(module, '__file__', None)
        out.append((name, origin if origin and origin != 'namespace' else 'namespace'))
    return sorted(out)


sys.meta_path.insert(0, _EmbeddedFinder(_sources))
importlib.import_module('panoptes')  # a broken embedded module fails the interpreter's start
