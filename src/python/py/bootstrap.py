# Run once by the host at interpreter start, with `_sources` = {module name: (file name, source,
# is_package)} of the embedded Python files. Installs a meta-path finder that imports them, then
# registers the original Panoptes' module paths (yahoo_panoptes....) as aliases of `panoptes`.
import importlib.abc
import importlib.util
import sys
import types


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
            return None
        filename, _, is_package = self._sources[fullname]
        spec = importlib.util.spec_from_loader(fullname, self._loader, origin=filename, is_package=is_package)
        spec.has_location = False
        return spec


sys.meta_path.insert(0, _EmbeddedFinder(_sources))

import panoptes  # noqa: E402

_ALIASES = [
    'yahoo_panoptes.polling.polling_plugin',
    'yahoo_panoptes.discovery.panoptes_discovery_plugin',
    'yahoo_panoptes.enrichment.enrichment_plugin',
    'yahoo_panoptes.framework.resources',
    'yahoo_panoptes.framework.metrics',
    'yahoo_panoptes.framework.enrichment',
    'yahoo_panoptes.framework.exceptions',
    'yahoo_panoptes.framework.validators',
    'yahoo_panoptes.framework.context',
    'yahoo_panoptes.framework.plugins.panoptes_base_plugin',
    'yahoo_panoptes.framework.plugins.context',
]
_public = {k: v for k, v in vars(panoptes).items() if not k.startswith('_')}


def _alias(name, leaf):
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name, 'Alias of the embedded panoptes module (original import path).')
        if not leaf:
            module.__path__ = []
        sys.modules[name] = module
        parent, _, child = name.rpartition('.')
        if parent:
            setattr(sys.modules[parent], child, module)
    if leaf:
        module.__dict__.update(_public)
    return module


for _name in _ALIASES:
    _parts = _name.split('.')
    for _i in range(1, len(_parts)):
        _alias('.'.join(_parts[:_i]), False)
    _alias(_name, True)
