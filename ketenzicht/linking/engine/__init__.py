"""The pure person-linking engine: normalisation, comparisons, scoring. No Django."""
