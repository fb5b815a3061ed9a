"""Scale benchmark: ingest + cluster at 1k/10k/100k articles."""
