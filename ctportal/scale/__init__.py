"""Synthetic data at the scale DESIGN.md plans for, and the benchmark that reads it (issue
14): `generate` writes it, `bench` times the portal on it. Nothing is imported here, so
`python -m ctportal.scale.bench` can set Django up before any model is loaded."""
