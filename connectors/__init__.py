"""Source connectors: read changes from existing systems and publish ChangeEvents to Kafka.

Modules: ``base`` (the source and publisher contracts), ``runner`` (the poll, publish,
flush, commit loop), ``publisher`` and ``topics`` (Kafka), ``checkpoint`` (atomic JSON
state), ``filesystem`` (the file-system source) and ``testing`` (test doubles).
"""
