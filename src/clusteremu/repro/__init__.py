"""Reproducibility machinery: provenance records, the dependency scanner, the artifact paths.

The lowest floor of the library after the configuration: every other subpackage may use
it, it uses none of them. Empty on purpose: a script depends only on the modules it imports.
"""
