# yahoo_panoptes.enrichment.schema.operational: the operational namespace (device facts and the
# device's polling status, a DEVICE_METRICS_STATES value of the polling_status helper).
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentGroup
from yahoo_panoptes.enrichment.schema._sets import set_schema, required, optional, group_class

OPERATIONAL_SCHEMA_NAMESPACE = 'operational'


class PanoptesOperationalEnrichmentSchemaValidator(PanoptesEnrichmentSchemaValidator):
    schema = set_schema(dict(
        optional('snmpenginetime', 'integer', 'sysdescr', 'string', 'device_vendor', 'string',
                 'device_model', 'string', 'device_os', 'string', 'device_os_version', 'string',
                 'last_updated', 'integer'),
        **required('device_polling_status', 'integer')))


PanoptesOperationalEnrichmentGroup = group_class('PanoptesOperationalEnrichmentGroup', OPERATIONAL_SCHEMA_NAMESPACE,
                                                 PanoptesOperationalEnrichmentSchemaValidator, __name__)
