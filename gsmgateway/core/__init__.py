"""Shared values of every layer: states, records, errors, configuration, clock and small rules.

Nothing here imports from another ``gsmgateway`` package; everything else may import from here.
"""
