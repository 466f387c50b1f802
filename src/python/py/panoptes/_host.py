# Helpers of the C++ host (src/python/host.cpp); not part of the plugin API.
import logging


class _ForwardHandler(logging.Handler):
    """Forwards records to the host (spdlog), which adds the run's tags."""

    def __init__(self, sink, plugin_name):
        logging.Handler.__init__(self)
        self._sink = sink
        self._plugin = plugin_name

    def emit(self, record):
        try:
            self._sink.log(record.levelno, self._plugin, self.format(record))
        except Exception:
            self.handleError(record)


def make_logger(name, sink, plugin_name, level):
    # A standalone Logger (not in logging's registry): one per plugin file, dropped with it.
    logger = logging.Logger(name, level)
    logger.propagate = False
    logger.addHandler(_ForwardHandler(sink, plugin_name))
    return logger
