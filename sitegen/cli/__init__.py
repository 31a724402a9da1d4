"""The command line (`sitegen build`, `check`, `serve`, `new`, `init`)."""
