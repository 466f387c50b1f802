# yahoo_panoptes.enrichment.schema.neighbor: the neighbor namespace (every field required).
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, required, group_class

NEIGHBOR_SCHEMA_NAMESPACE = 'neighbor'


class PanoptesNeighborEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required(
        'description', 'string', 'type', 'string', 'layer', 'integer',
        'member_of_lag', 'dict', 'member_of_svi', 'dict', 'lag_members', 'dict',
        'ipv6_neighbor', 'dict', 'ipv4_neighbor', 'dict', 'l2_neighbor', 'dict',
        'ipv6_address', 'list', 'ipv4_address', 'list', 'vlans', 'dict', 'spanning_tree', 'dict',
        'mac_address', 'string', 'svi_physical_members', 'dict', 'sub_interfaces', 'dict',
        'primary_interface', 'dict', 'link_state', 'string', 'admin_state', 'string',
        'category', 'string', 'name', 'string'))


PanoptesNeighborEnrichmentGroup = group_class('PanoptesNeighborEnrichmentGroup', NEIGHBOR_SCHEMA_NAMESPACE,
                                              PanoptesNeighborEnrichmentSchemaValidator, __name__)
