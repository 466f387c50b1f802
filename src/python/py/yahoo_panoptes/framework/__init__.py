# yahoo_panoptes.framework (open: see yahoo_panoptes/__init__.py).
