"""Stage 1, load: the site's settings, its source files read and checked, Markdown turned into HTML."""
