"""ECB+ story clustering benchmark (BCubed P/R/F1, with baselines)."""
