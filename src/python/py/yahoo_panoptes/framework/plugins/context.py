# yahoo_panoptes.framework.plugins.context: the context passed to run(context) (one per run, made by
# the host) and its validators.


class PanoptesPluginContextValidators(object):
    @classmethod
    def valid_panoptes_plugin_context(cls, context):
        """True if `context` is a PanoptesPluginContext."""
        return bool(context) and isinstance(context, PanoptesPluginContext)


class PanoptesPluginContext(object):
    # The host makes each run's context with __new__ and sets these slots itself (host.cpp,
    # MakeContext): __init__ must do nothing but store its arguments. `snmp` and `x509` are the site's
    # [snmp] / [x509] settings merged with the plugin file's, or None where the host sets none.
    __slots__ = ('logger', 'config', 'data', 'kv', 'secrets', 'sites', 'enrichment', 'snmp', 'x509')

    def __init__(self, logger, config, data, kv, secrets, sites, enrichment=None, snmp=None, x509=None):
        self.logger = logger  # logging.Logger; records reach the daemon's log, tagged
        self.config = config  # {section: {key: str}} of the plugin file
        self.data = data  # the PanoptesResource of the task; None for discovery
        self.kv = kv  # get, set(key, value, expire=None), getset, delete, ttl, find_keys, set_add, set_members
        self.secrets = secrets  # get, get_by_site(name, site)
        self.sites = sites  # list of site names
        self.enrichment = enrichment  # PanoptesEnrichmentCache (polling, enrichment) or None
        self.snmp = snmp
        self.x509 = x509

    # The original's accessor, for plugins that call it.
    def get_kv_store(self, *args, **kwargs):
        return self.kv


class PanoptesPluginWithEnrichmentContext(PanoptesPluginContext):
    """The context of a run with an enrichment cache (an [enrichment] preload): `enrichment` is set."""
    __slots__ = ()
