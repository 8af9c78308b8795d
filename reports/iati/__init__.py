"""IATI 2.03 activity export: projects as `iati-activities` XML, UNODC as reporting org.

It reads across projects (the project, budget, expenditure, results framework), donors
(allocations and received tranches, as UNODC's incoming commitments and funds) and
workplans (verified actuals), so it lives in reports, the top-level read app, which nothing
imports. Modules: codelists (the official codelists, read at run time), selectors (the
rows each project's record needs, a chunk of projects at a time), readiness (what a
project lacks for a valid record), builder (the streamed XML), validation (schema,
codelists and the official rulesets, offline).
"""
