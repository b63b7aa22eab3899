"""The manuscript: variables, tables, figure plumbing and labels, rendering, and the audit
that checks every figure and number against its provenance. Empty on purpose.
"""
