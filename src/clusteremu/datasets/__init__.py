"""The study's data: the Latin-hypercube design and its splits, the dataset table, the
arrays an emulator is trained on. Empty on purpose: a script depends only on what it imports.
"""
