"""Benchmarks, run as scripts (python bench/NAME.py); a package so that one bench can reuse another's setup."""
