"""Publication date benchmark (htmldate evaluation set)."""
