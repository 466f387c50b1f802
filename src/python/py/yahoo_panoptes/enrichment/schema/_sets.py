# Builds the Cerberus schemas of the enrichment schema modules: one enrichment set is a dict whose
# fields are described as {name: type} (a field Cerberus does not require) or {name: (type, required)}.
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentGroup


def set_schema(fields):
    rules = {}
    for name, spec in fields.items():
        if isinstance(spec, tuple):
            rules[name] = {'type': spec[0], 'required': spec[1]}
        elif isinstance(spec, dict):
            rules[name] = spec
        else:
            rules[name] = {'type': spec}
    return {'enrichment_label': {'type': 'dict', 'schema': rules}}


def required(*names_and_types):
    """{name: (type, True)} from name, type, name, type, ..."""
    pairs = zip(names_and_types[::2], names_and_types[1::2])
    return {name: (type_, True) for name, type_ in pairs}


def optional(*names_and_types):
    pairs = zip(names_and_types[::2], names_and_types[1::2])
    return {name: (type_, False) for name, type_ in pairs}


def group_class(name, namespace, validator_class, module):
    """A PanoptesEnrichmentGroup subclass fixed to `namespace` and `validator_class`, taking
    (enrichment_ttl, execute_frequency) as the original's schema groups do."""

    def __init__(self, enrichment_ttl, execute_frequency):
        PanoptesEnrichmentGroup.__init__(self, namespace=namespace, schema_validator=validator_class(),
                                         enrichment_ttl=enrichment_ttl, execute_frequency=execute_frequency)

    return type(name, (PanoptesEnrichmentGroup,), {'__init__': __init__, '__module__': module})
