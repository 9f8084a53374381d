"""End-to-end pipeline benchmark (``python -m bench.pipeline.run``)."""
