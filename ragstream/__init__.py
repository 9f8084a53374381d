"""ragstream: keep RAG indices in OpenSearch in sync with company systems through Kafka."""

__version__ = "0.1.0"
