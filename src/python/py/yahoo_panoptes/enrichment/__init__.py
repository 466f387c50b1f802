# yahoo_panoptes.enrichment (open: see yahoo_panoptes/__init__.py).
