"""Turning the site model into render jobs and the jobs into bytes."""
