"""Shared infrastructure: settings, logging, metrics, Kafka admin and reader, OpenSearch client.

Layer 2 of 4 (schemas < infra < connectors, streams < ragstream): imports only ``schemas``.
"""
