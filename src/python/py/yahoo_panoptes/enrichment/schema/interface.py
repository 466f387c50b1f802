# yahoo_panoptes.enrichment.schema.interface: the interface namespace, one set per interface.
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, required, optional, group_class

INTERFACE_SCHEMA_NAMESPACE = 'interface'


class PanoptesInterfaceEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(dict(
        required('description', 'string', 'media_type', 'string', 'interface_name', 'string', 'alias', 'string',
                 'configured_speed', 'integer', 'port_speed', 'integer',
                 'parent_interface_name', 'string', 'parent_interface_media_type', 'string',
                 'parent_interface_configured_speed', 'integer', 'parent_interface_port_speed', 'integer'),
        **optional('remote_device', 'string', 'remote_device_site', 'string', 'remote_device_function', 'string',
                   'remote_device_purpose', 'string', 'physical_address', 'string')))


PanoptesInterfaceEnrichmentGroup = group_class('PanoptesInterfaceEnrichmentGroup', INTERFACE_SCHEMA_NAMESPACE,
                                               PanoptesInterfaceEnrichmentSchemaValidator, __name__)
