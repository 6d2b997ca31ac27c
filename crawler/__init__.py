"""The crawler: a Scrapy project that discovers, fetches, extracts, matches and stores articles."""
