"""Sinks that write embedded documents to a search store."""
