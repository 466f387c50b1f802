# yahoo_panoptes.enrichment.schema.generic.snmp: the 'metrics' namespace of the generic SNMP plugins:
# per device, the OIDs to poll and the metrics groups to build from them.
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, group_class

_METRICS_GROUP = {'type': 'dict', 'schema': {'group_name': {'type': 'string', 'required': True},
                                             'dimensions': {'type': 'dict', 'required': False},
                                             'metrics': {'type': 'dict', 'required': True}}}


class PanoptesGenericSNMPMetricsEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema({'oids': ('dict', True),
                         'metrics_groups': {'type': 'list', 'required': True, 'schema': _METRICS_GROUP}})


class PanoptesGenericSNMPMetricsEnrichmentGroup(PanoptesEnrichmentGroup):
    METRICS_SCHEMA_NAMESPACE = 'metrics'

    def __init__(self, enrichment_ttl, execute_frequency):
        super(PanoptesGenericSNMPMetricsEnrichmentGroup, self).__init__(
            namespace=self.METRICS_SCHEMA_NAMESPACE,
            schema_validator=PanoptesGenericSNMPMetricsEnrichmentSchemaValidator(),
            enrichment_ttl=enrichment_ttl, execute_frequency=execute_frequency)
