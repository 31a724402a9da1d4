"""The site model: articles, sections, tags, authors and how they relate. Never touches files."""
