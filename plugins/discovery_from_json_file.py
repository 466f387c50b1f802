"""Discovery plugin: the resources listed in a JSON file (as the original Panoptes'
plugin_discovery_from_json_file).

[main] config_file: the JSON file, absolute or relative to this module's directory. It holds a list
of resources in the SPEC 7 form. Conveniences for describing "this host" without knowing its name:
- a string value "@hostname@" is replaced by this machine's host name, "@fqdn@" by its FQDN;
- resource_site may be omitted (the first configured site is used), resource_plugin too (the
  plugin's Name), resource_creation_timestamp too (now), resource_metadata too (none); the
  metadata _resource_ttl defaults to the plugin file's [main] resource_ttl.
A resource that fails validation is logged and skipped; no valid resource at all is an error.
"""
import json
import os
import socket
import time

from panoptes import PanoptesDiscoveryPlugin, PanoptesDiscoveryPluginError, PanoptesResource, PanoptesResourceSet

_PLACEHOLDERS = {'@hostname@': socket.gethostname, '@fqdn@': socket.getfqdn}


def _fill(value):
    if isinstance(value, str) and value in _PLACEHOLDERS:
        return _PLACEHOLDERS[value]()
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    return value


class PluginDiscoveryJSONFile(PanoptesDiscoveryPlugin):
    def run(self, context):
        config_file = context.config.get('main', {}).get('config_file')
        if not config_file:
            raise PanoptesDiscoveryPluginError('[main] config_file is not set')
        if not os.path.isabs(config_file):
            config_file = os.path.join(os.path.dirname(os.path.realpath(__file__)), config_file)
        try:
            with open(config_file) as f:
                specs = json.load(f)
        except Exception as e:
            raise PanoptesDiscoveryPluginError('cannot read resources from {}: {!r}'.format(config_file, e))
        if not isinstance(specs, list):
            raise PanoptesDiscoveryPluginError('{}: expected a JSON list of resources'.format(config_file))
        plugin_name = context.config.get('Core', {}).get('name', 'PluginDiscoveryJSONFile')
        resource_ttl = context.config.get('main', {}).get('resource_ttl')  # [main] resource_ttl, when set
        resources = PanoptesResourceSet()
        failures = 0
        for index, spec in enumerate(specs):
            try:
                spec = _fill(dict(spec))
                spec.setdefault('resource_site', context.sites[0])
                spec.setdefault('resource_plugin', plugin_name)
                spec.setdefault('resource_creation_timestamp', time.time())
                spec['resource_metadata'] = dict(spec.get('resource_metadata') or {})
                if resource_ttl:
                    spec['resource_metadata'].setdefault('_resource_ttl', resource_ttl)
                resources.add(PanoptesResource.resource_from_dict(spec))
            except Exception as e:
                failures += 1
                context.logger.warning('{}: resource #{} skipped: {!r}'.format(config_file, index, e))
        if len(resources) == 0:
            raise PanoptesDiscoveryPluginError('no valid resource in {}'.format(config_file))
        context.logger.info('read {} resources from {} ({} skipped)'.format(len(resources), config_file, failures))
        return resources
