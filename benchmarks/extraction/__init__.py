"""Article body extraction benchmark (plain-text cleaning and HTML extraction)."""
