"""Enrichment plugin: the network interfaces of the local host, from /sys/class/net.

Namespace "interface": one set per interface (key = interface name) with
  name (str), mtu (int), speed_mbps (int, -1 when the kernel does not know, e.g. virtual or down),
  operstate (str: up, down, unknown...), mac (str), type (int, ARPHRD_* number).
[main] enrichment_ttl (seconds, default 3 x execute_frequency) becomes the group's TTL.
Runs on resources describing the host the agent runs on.
"""
import os

from panoptes import (PanoptesEnrichmentPlugin, PanoptesEnrichmentPluginError, PanoptesEnrichmentGroupSet,
                      PanoptesEnrichmentGroup, PanoptesEnrichmentSet, PanoptesEnrichmentSchemaValidator)

SYS_CLASS_NET = '/sys/class/net'


class InterfaceSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = {'enrichment_label': {'type': 'dict', 'schema': {
        'name': {'type': 'string', 'required': True, 'empty': False},
        'mtu': {'type': 'integer', 'required': True},
        'speed_mbps': {'type': 'integer', 'required': True},
        'operstate': {'type': 'string', 'required': True},
        'mac': {'type': 'string', 'required': True},
        'type': {'type': 'integer', 'required': True},
    }}}


def _read(path, default):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:  # e.g. speed of a down or virtual interface raises EINVAL
        return default


def _read_int(path, default=-1):
    try:
        return int(_read(path, default))
    except ValueError:
        return default


def read_interfaces(root=SYS_CLASS_NET):
    """{name: {name, mtu, speed_mbps, operstate, mac, type}} of every interface under root."""
    interfaces = {}
    for name in sorted(os.listdir(root)):
        base = os.path.join(root, name)
        interfaces[name] = {
            'name': name,
            'mtu': _read_int(os.path.join(base, 'mtu')),
            'speed_mbps': _read_int(os.path.join(base, 'speed')),
            'operstate': _read(os.path.join(base, 'operstate'), 'unknown'),
            'mac': _read(os.path.join(base, 'address'), ''),
            'type': _read_int(os.path.join(base, 'type')),
        }
    return interfaces


class InterfaceEnrichmentPlugin(PanoptesEnrichmentPlugin):
    def run(self, context):
        main = context.config.get('main', {})
        frequency = int(main.get('execute_frequency', 60))
        ttl = int(main.get('enrichment_ttl', 3 * frequency))
        try:
            interfaces = read_interfaces()
        except OSError as e:
            raise PanoptesEnrichmentPluginError('cannot list {}: {!r}'.format(SYS_CLASS_NET, e))
        group = PanoptesEnrichmentGroup('interface', InterfaceSchemaValidator(), ttl, frequency)
        for name, values in interfaces.items():
            group.add_enrichment_set(PanoptesEnrichmentSet(name, values))
        context.logger.debug('enriched {} interfaces'.format(len(interfaces)))
        group_set = PanoptesEnrichmentGroupSet(context.data)
        if len(group) > 0:
            group_set.add_enrichment_group(group)
        return group_set
