"""Synthetic chain data for Ketenzicht: registrations in exchange format v1 plus their ground truth.

Pure Python, no Django. `generate(n_registrations, seed, out_dir)` writes `registrations.jsonl` and
`truth.jsonl`; the same seed and parameters give the same bytes. See docs/generator.md.
"""

from .engine import REGISTRATIONS_FILE, TRUTH_FILE, Generator, Result, generate
from .params import GeneratorParams, load_params

__all__ = [
    "REGISTRATIONS_FILE",
    "TRUTH_FILE",
    "Generator",
    "GeneratorParams",
    "Result",
    "generate",
    "load_params",
]
