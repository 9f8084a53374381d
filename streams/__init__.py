"""Stream processing: compliance, chunking, embedding and sinks, wired by Faust in app.py."""
