# yahoo_panoptes.enrichment.schema.generic (open: see yahoo_panoptes/__init__.py).
