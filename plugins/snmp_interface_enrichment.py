"""Enrichment plugin: the interfaces of an SNMP device (IF-MIB ifTable and ifXTable).

Namespace "interface": one set per ifIndex with interface_name (ifName), description (ifDescr),
media_type (ifType as a name), alias (ifAlias), configured_speed and port_speed (bit/s, from
ifHighSpeed else ifSpeed), physical_address (aa:bb:..) and the parent_interface_* keys of the
original's interface schema (not known from IF-MIB alone: '<not set>' / -1). Text that a device
leaves empty is '<not set>'. The resource's endpoint is the device; SNMP settings from the plugin
file's [snmp], else the site's (community: plugin file, secrets, site).
"""
from panoptes import (PanoptesEnrichmentPlugin, PanoptesEnrichmentGroupSet, PanoptesEnrichmentGroup,
                      PanoptesEnrichmentSet, PanoptesEnrichmentSchemaValidator)
from yahoo_panoptes.framework.plugins.base_snmp_plugin import PanoptesSNMPBaseEnrichmentPlugin

import snmp_common as snmp

_TEXT = {'type': 'string', 'required': True}
_NUMBER = {'type': 'integer', 'required': True}
SCHEMA_KEYS = {'interface_name': _TEXT, 'description': _TEXT, 'media_type': _TEXT, 'alias': _TEXT,
               'configured_speed': _NUMBER, 'port_speed': _NUMBER, 'physical_address': _TEXT,
               'parent_interface_name': _TEXT, 'parent_interface_media_type': _TEXT,
               'parent_interface_configured_speed': _NUMBER, 'parent_interface_port_speed': _NUMBER}

COLUMNS = {'name': snmp.IF_NAME, 'descr': snmp.IF_DESCR, 'type': snmp.IF_TYPE, 'alias': snmp.IF_ALIAS,
           'high_speed': snmp.IF_HIGH_SPEED, 'speed': snmp.IF_SPEED, 'mac': snmp.IF_PHYS_ADDRESS}


class InterfaceSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = {'enrichment_label': {'type': 'dict', 'schema': SCHEMA_KEYS}}


def interface_set(row):
    """The enrichment values of one ifIndex from its walked columns."""
    speed = snmp.speed_bps(row.get('high_speed'), row.get('speed'))
    return {'interface_name': snmp.to_text(row.get('name')), 'description': snmp.to_text(row.get('descr')),
            'media_type': snmp.if_type_name(row.get('type')), 'alias': snmp.to_text(row.get('alias')),
            'configured_speed': speed, 'port_speed': speed, 'physical_address': snmp.mac_address(row.get('mac')),
            'parent_interface_name': snmp.MISSING_TEXT, 'parent_interface_media_type': snmp.MISSING_TEXT,
            'parent_interface_configured_speed': snmp.MISSING_NUMBER,
            'parent_interface_port_speed': snmp.MISSING_NUMBER}


class SNMPInterfaceEnrichment(PanoptesSNMPBaseEnrichmentPlugin, PanoptesEnrichmentPlugin):
    def get_results(self):
        config = self.snmp_configuration
        rows = snmp.read_columns(self.snmp_connection, COLUMNS, config.non_repeaters, config.max_repetitions)
        group = PanoptesEnrichmentGroup('interface', InterfaceSchemaValidator(), self.enrichment_ttl,
                                        self.execute_frequency)
        for index in sorted(rows, key=snmp.to_int):
            group.add_enrichment_set(PanoptesEnrichmentSet(index, interface_set(rows[index])))
        self.logger.debug('{} interfaces on {}'.format(len(rows), self.host))
        group_set = PanoptesEnrichmentGroupSet(self.resource)
        if len(group) > 0:
            group_set.add_enrichment_group(group)
        return group_set
