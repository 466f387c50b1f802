# yahoo_panoptes.framework.utilities (open: see yahoo_panoptes/__init__.py).
