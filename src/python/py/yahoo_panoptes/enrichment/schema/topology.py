# yahoo_panoptes.enrichment.schema.topology: the topology namespace.
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, required, group_class

SCHEMA_NAMESPACE = 'topology'


class PanoptesTopologyEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(required('interface', 'string', 'neighbor', 'dict', 'map_type', 'string'))


PanoptesTopologyEnrichmentGroup = group_class('PanoptesTopologyEnrichmentGroup', SCHEMA_NAMESPACE,
                                              PanoptesTopologyEnrichmentSchemaValidator, __name__)
