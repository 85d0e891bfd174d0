"""Insights for operators: the lossless Parquet export of the event log and
one module per insight, each a few DuckDB queries over the exported files."""
