# yahoo_panoptes.enrichment.schema: the original's enrichment schemas (open: see yahoo_panoptes/__init__.py).
