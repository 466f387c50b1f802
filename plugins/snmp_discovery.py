"""Discovery plugin: SNMP devices from a seed list.

[main] seeds (mandatory): comma or newline list of host names or addresses. Each seed is asked for
sysName, sysDescr and sysObjectID with the plugin's SNMP settings (the plugin file's [snmp], else
the site's; community: plugin file, secrets for the resource site, site); one that answers
becomes a resource:
  resource_site     [main] resource_site, else the first of the site's sites
  resource_class    [main] resource_class (default "network")
  resource_subclass [main] resource_subclass (default "switch")
  resource_type     the vendor of sysObjectID (cisco, juniper, arista, net-snmp, ...; else "generic")
  resource_id       sysName (else the seed), resource_endpoint the seed
  resource_metadata snmp_sys_descr, snmp_sys_object_id (and _resource_ttl from [main] resource_ttl)
A seed that does not answer is logged and skipped; when none answers, the run fails naming them.
"""
from panoptes import PanoptesDiscoveryPlugin, PanoptesDiscoveryPluginError, PanoptesResource, PanoptesResourceSet
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
from yahoo_panoptes.framework.utilities.snmp.factory import PanoptesSNMPConnectionFactory

import snmp_common as snmp

# sysObjectID enterprise numbers (1.3.6.1.4.1.<n>) of the vendors we name.
VENDORS = {'9': 'cisco', '2636': 'juniper', '30065': 'arista', '8072': 'net-snmp', '14823': 'aruba',
           '6141': 'ciena', '2011': 'huawei', '11': 'hp', '25506': 'hp', '674': 'dell'}
ENTERPRISES = '1.3.6.1.4.1.'


def vendor_of(sys_object_id):
    oid = str(sys_object_id or '').lstrip('.')
    if not oid.startswith(ENTERPRISES):
        return 'generic'
    return VENDORS.get(oid[len(ENTERPRISES):].split('.')[0], 'generic')


def clean(text, limit=200):
    """Metadata-safe text: printable, no '|' (the resource key separator), at most `limit` chars."""
    value = snmp.to_text(text, '').replace('|', '/')
    return ' '.join(value.split())[:limit]


def resource_id_of(sys_name, seed):
    name = clean(sys_name, 255).replace(' ', '_')
    return name if name else seed


class SNMPSeedDiscovery(PanoptesDiscoveryPlugin):
    def run(self, context):
        main = context.config.get('main', {})
        seeds = [s.strip() for s in main.get('seeds', '').replace('\n', ',').split(',') if s.strip()]
        if not seeds:
            raise PanoptesDiscoveryPluginError('[main] seeds is empty: name the devices to discover')
        site = main.get('resource_site') or context.sites[0]
        ttl = int(main.get('resource_ttl', 604800))
        found, failed = PanoptesResourceSet(), []
        for seed in seeds:
            resource = PanoptesResource(site, main.get('resource_class', 'network'),
                                        main.get('resource_subclass', 'switch'), 'generic', seed, seed,
                                        resource_plugin=context.config.get('Core', {}).get('name', 'snmp_discovery'), resource_ttl=ttl)
            try:
                found.add(self._probe(context, resource, ttl))
            except Exception as e:
                context.logger.warning('seed {}: no SNMP answer: {!r}'.format(seed, e))
                failed.append('{} ({})'.format(seed, e))
        if failed and len(failed) == len(seeds):
            raise PanoptesDiscoveryPluginError('no seed answered: ' + '; '.join(failed))
        return found

    @staticmethod
    def _probe(context, seed_resource, ttl):
        # The framework's factory wants a context whose data is the device: make one per seed.
        seed_context = PanoptesPluginContext(context.logger, context.config, seed_resource, context.kv,
                                             context.secrets, context.sites, None, context.snmp, context.x509)
        connection = PanoptesSNMPConnectionFactory.get_snmp_connection(seed_context, seed_resource)
        name, descr, object_id = (connection.get(oid).value for oid in (snmp.SYS_NAME, snmp.SYS_DESCR,
                                                                         snmp.SYS_OBJECT_ID))
        seed = seed_resource.resource_endpoint
        resource = PanoptesResource(seed_resource.resource_site, seed_resource.resource_class,
                                    seed_resource.resource_subclass, vendor_of(object_id),
                                    resource_id_of(name, seed), seed,
                                    resource_plugin=seed_resource.resource_plugin, resource_ttl=ttl)
        for key, value in (('snmp_sys_descr', clean(descr)), ('snmp_sys_object_id', clean(object_id))):
            if value:
                resource.add_metadata(key, value)
        return resource
