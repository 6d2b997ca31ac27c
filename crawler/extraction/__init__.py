"""Building blocks of article extraction; the entry point is :mod:`crawler.extract`."""
