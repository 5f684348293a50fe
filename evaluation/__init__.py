"""Evaluation harnesses and their hand-annotated gold sets."""
