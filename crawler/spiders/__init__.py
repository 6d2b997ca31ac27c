"""presswatch's spiders: ``source`` crawls one configured news source (``-a source=NAME``)."""
