# yahoo_panoptes: the original Panoptes' package, open like a namespace package. The modules of
# this embedded tree are found first; any other submodule (yahoo_panoptes.plugins.*, a site's own
# additions) comes from the yahoo_panoptes/ directories under sys.path ([python] path, plugin module
# directories) and the trees holding loaded plugin modules (see bootstrap.py, docs/plugin-api.md).
