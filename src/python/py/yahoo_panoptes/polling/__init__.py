# yahoo_panoptes.polling (open: see yahoo_panoptes/__init__.py).
