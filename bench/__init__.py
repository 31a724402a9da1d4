"""The sitegen benchmark: `python -m bench --help`."""
