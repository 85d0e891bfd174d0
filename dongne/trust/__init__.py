"""Trust and safety: deals, reviews, manner temperature, reports, blocks, fraud signals."""
