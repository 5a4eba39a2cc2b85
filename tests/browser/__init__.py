"""Helpers for the web app's tests: a fake bot and a web server in a thread."""
