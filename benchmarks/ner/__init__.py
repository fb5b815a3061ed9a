"""English NER benchmark (CoNLL-2003 dev)."""
