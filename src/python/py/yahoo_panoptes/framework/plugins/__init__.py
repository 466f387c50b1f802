# yahoo_panoptes.framework.plugins (open: see yahoo_panoptes/__init__.py).
