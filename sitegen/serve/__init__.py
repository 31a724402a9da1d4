"""`sitegen serve`: the preview server, its file watcher and its HTTP handler."""
