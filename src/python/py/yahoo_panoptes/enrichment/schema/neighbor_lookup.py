# yahoo_panoptes.enrichment.schema.neighbor_lookup: the lookup namespaces that map bridge ports,
# interfaces and devices to the resources they belong to.
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, required, group_class

BRIDGE_LOOKUP_SCHEMA_NAMESPACE = 'bridge_lookup'
INTERFACE_LOOKUP_SCHEMA_NAMESPACE = 'interface_lookup'
DEVICE_LOOKUP_SCHEMA_NAMESPACE = 'device_lookup'
L3_INTERFACE_LOOKUP_SCHEMA_NAMESPACE = 'l3_interface_lookup'
INVERSE_INTERFACE_LOOKUP_SCHEMA_NAMESPACE = 'inverse_interface_lookup'

_INTERFACE = ('resource_id', 'string', 'interface_description', 'string', 'interface_index', 'string')


class PanoptesBridgeLookupEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required('resource_id', 'string', 'port_id_map', 'dict'))


class PanoptesInverseInterfaceLookupEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required(*_INTERFACE))


class PanoptesL3InterfaceLookupEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required(*(_INTERFACE + ('ip_version', 'integer'))))


class PanoptesInterfaceLookupEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required(*(_INTERFACE + ('port_id_map', 'dict'))))


class PanoptesDeviceLookupEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required('ipv4', 'list', 'ipv6', 'list', 'source_resource_id', 'string'))


PanoptesBridgeLookupEnrichmentGroup = group_class(
    'PanoptesBridgeLookupEnrichmentGroup', BRIDGE_LOOKUP_SCHEMA_NAMESPACE,
    PanoptesBridgeLookupEnrichmentSchemaValidator, __name__)
PanoptesInverseInterfaceLookupEnrichmentGroup = group_class(
    'PanoptesInverseInterfaceLookupEnrichmentGroup', INVERSE_INTERFACE_LOOKUP_SCHEMA_NAMESPACE,
    PanoptesInverseInterfaceLookupEnrichmentSchemaValidator, __name__)
PanoptesL3InterfaceLookupEnrichmentGroup = group_class(
    'PanoptesL3InterfaceLookupEnrichmentGroup', L3_INTERFACE_LOOKUP_SCHEMA_NAMESPACE,
    PanoptesL3InterfaceLookupEnrichmentSchemaValidator, __name__)
PanoptesInterfaceLookupEnrichmentGroup = group_class(
    'PanoptesInterfaceLookupEnrichmentGroup', INTERFACE_LOOKUP_SCHEMA_NAMESPACE,
    PanoptesInterfaceLookupEnrichmentSchemaValidator, __name__)
PanoptesDeviceLookupEnrichmentGroup = group_class(
    'PanoptesDeviceLookupEnrichmentGroup', DEVICE_LOOKUP_SCHEMA_NAMESPACE,
    PanoptesDeviceLookupEnrichmentSchemaValidator, __name__)
