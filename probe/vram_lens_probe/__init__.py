"""VRAM Lens measurement probe.

Started by the probe's sitecustomize.py when `vram-lens measure` runs a command with VRAM_LENS_PROBE_DIR
set. It records, in each process that trains on a GPU, the peak memory of every phase of a training step
(forward + loss, backward, optimizer step, generation for RL trainers) and stops the job cleanly after
VRAM_LENS_PROBE_STEPS optimizer steps (default 3). Each process writes one JSON file into
VRAM_LENS_PROBE_DIR; `vram-lens measure` merges them.

It attaches itself only when the program imports the modules it watches (torch, and for generation
transformers.generation.utils and vllm.entrypoints.llm): it never imports them itself, so a Python
process that does not use torch is left alone. Python 3.8+, no dependencies.
"""
import os

from .imports import after_import
from .probe import Probe

_probe = None


def install():
    """Starts the probe once per process (idempotent) and returns it."""
    global _probe
    if _probe is not None:
        return _probe
    out_dir = os.environ["VRAM_LENS_PROBE_DIR"]
    try:
        steps = int(os.environ.get("VRAM_LENS_PROBE_STEPS") or 3)
    except ValueError:
        steps = 3
    _probe = Probe(out_dir, steps)
    after_import("torch", _probe.attach_torch)
    after_import("transformers.generation.utils", _probe.attach_transformers)
    after_import("vllm.entrypoints.llm", _probe.attach_vllm)
    return _probe
