"""Decision layer: local reference data, features, ONNX risk scoring, lane routing, audit log.

The lane recommends; the officer decides. Everything here works from data held locally, so a
recommendation is available when headquarters is unreachable.
"""
