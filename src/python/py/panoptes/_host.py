# Helpers of the C++ host (src/python/host.cpp); not part of the plugin API.
import logging
import time

# The current run's start (time.monotonic()) and time limit in seconds (None: no limit, e.g. under
# panoptes-ctl run), set by the host around each run. Process state rather than a context attribute
# because the original's connection factory, used unchanged, builds SNMP connections without
# handing them the context; one interpreter runs one plugin at a time.
run_started = 0.0
run_time_limit = None


def snmp_budget():
    """Seconds an SNMP request may still wait in this run (None: no limit): what is left of the time
    limit minus a margin (a tenth of the limit, 0.5 to 2 s) for the plugin to end and report."""
    if run_time_limit is None:
        return None
    margin = min(2.0, max(0.5, run_time_limit / 10.0))
    return run_started + run_time_limit - margin - time.monotonic()


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
