"""presswatch's configuration: the shipped TOML files and the loader that validates them."""

from config.loader import Config, ConfigError, config_directory, load_config
from config.schema import DigestSchedule, Settings, Source, WatchList, parse_duration

__all__ = [
    "Config",
    "ConfigError",
    "DigestSchedule",
    "Settings",
    "Source",
    "WatchList",
    "config_directory",
    "load_config",
    "parse_duration",
]
