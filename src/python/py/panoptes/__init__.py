# panoptes: the short name of the Panoptes plugin API. Every class is defined under the original's
# module paths (yahoo_panoptes.framework.metrics, ...); this module re-exports them in one place.
from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.validators import PanoptesValidators
from yahoo_panoptes.framework.resources import (PanoptesResource, PanoptesResourceSet, PanoptesResourceError,
                                                PanoptesResourceValidators)
from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricType, PanoptesMetricDimension,
                                              PanoptesMetricsGroup, PanoptesMetricsGroupSet, PanoptesMetricSet,
                                              PanoptesMetricsException, PanoptesMetricsNullException,
                                              PanoptesMetricValidators,
                                              METRIC_TYPE_NAMES)
from yahoo_panoptes.framework.enrichment import (PanoptesEnrichmentSet, PanoptesEnrichmentGroup,
                                                 PanoptesEnrichmentGroupSet, PanoptesEnrichmentMultiGroupSet,
                                                 PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentCache,
                                                 PanoptesEnrichmentException, PanoptesEnrichmentCacheError,
                                                 PanoptesEnrichmentCacheKeyValueStore, PanoptesEnrichmentEncoder)
from yahoo_panoptes.framework.plugins.context import (PanoptesPluginContext, PanoptesPluginWithEnrichmentContext,
                                                      PanoptesPluginContextValidators)
from yahoo_panoptes.framework.plugins.panoptes_base_plugin import (PanoptesBasePlugin,
                                                                   PanoptesPluginConfigurationError,
                                                                   PanoptesPluginRuntimeError)
from yahoo_panoptes.discovery.panoptes_discovery_plugin import PanoptesDiscoveryPlugin, PanoptesDiscoveryPluginError
from yahoo_panoptes.polling.polling_plugin import (PanoptesPollingPlugin, PanoptesPollingPluginError,
                                                   PanoptesPollingPluginConfigurationError)
from yahoo_panoptes.enrichment.enrichment_plugin import (PanoptesEnrichmentPlugin, PanoptesEnrichmentPluginError,
                                                         PanoptesEnrichmentPluginConfigurationError)

PanoptesContext = PanoptesPluginContext
