# yahoo_panoptes.discovery (open: see yahoo_panoptes/__init__.py).
