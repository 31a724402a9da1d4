"""sitegen: a static site generator for news publications."""

__version__ = "0.1.0"
