"""The scheduler: the `presswatch` command line and the long-running service."""
