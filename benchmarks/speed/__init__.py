"""Speed and memory benchmark of read."""
