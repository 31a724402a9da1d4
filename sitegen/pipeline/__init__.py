"""The build's stages, called in order by sitegen/build.py: prepare (read, convert, check,
model), plan the pages, render and write them. Each stage asks the build cache
(incremental.cache) and the search index (search.site_search) through small interfaces, so the
same stages serve a cached build, an uncached one and `sitegen check`."""
