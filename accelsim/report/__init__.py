"""Results as pandas DataFrames, comparisons, CLI text and matplotlib figures."""
