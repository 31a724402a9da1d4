"""The build cache: what a build reuses from the last one. The pipeline works without it
(a null cache); nothing in load, model or render imports this package."""
