# The Panoptes plugin API (SPEC 8), embedded in the Panoptes C++ binaries.
from panoptes.exceptions import *  # noqa: F401,F403
from panoptes.exceptions import PanoptesBaseException
from panoptes.validators import PanoptesValidators
from panoptes.resources import PanoptesResource, PanoptesResourceSet
from panoptes.metrics import (PanoptesMetric, PanoptesMetricType, PanoptesMetricDimension, PanoptesMetricsGroup,
                              PanoptesMetricsGroupSet, PanoptesMetricSet, PanoptesMetricsNullException,
                              METRIC_TYPE_NAMES)
from panoptes.enrichment import (PanoptesEnrichmentSet, PanoptesEnrichmentGroup, PanoptesEnrichmentGroupSet,
                                 PanoptesEnrichmentMultiGroupSet, PanoptesEnrichmentSchemaValidator,
                                 PanoptesEnrichmentCache)
from panoptes.plugins import (PanoptesBasePlugin, PanoptesDiscoveryPlugin, PanoptesEnrichmentPlugin,
                              PanoptesPollingPlugin)
from panoptes.context import PanoptesPluginContext

PanoptesContext = PanoptesPluginContext
