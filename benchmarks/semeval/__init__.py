"""SemEval-2022 Task 8 pair-similarity benchmark: grouped cross-validation, baselines, speed."""
