# yahoo_panoptes.enrichment.schema.heartbeat: the heartbeat namespace (one set holding a float
# 'timestamp').
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, group_class

HEARTBEAT_SCHEMA_NAMESPACE = 'heartbeat_ns'


class PanoptesHeartbeatEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema({'timestamp': 'float'})


PanoptesHeartbeatEnrichmentGroup = group_class('PanoptesHeartbeatEnrichmentGroup', HEARTBEAT_SCHEMA_NAMESPACE,
                                               PanoptesHeartbeatEnrichmentSchemaValidator, __name__)
