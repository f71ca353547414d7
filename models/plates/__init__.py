"""Plate OCR model: training script, shipped ONNX file and model card."""
