# VRAM Lens measurement probe, loaded by Python's `site` module at start-up.
#
# `vram-lens measure -- <command>` puts this folder first on PYTHONPATH for that one command only (nothing
# is installed). Python then imports this file as `sitecustomize` in every Python process the command
# starts (the launcher, each rank, data-loader workers started with "spawn", ...).
#
# It does two things:
#   1. when VRAM_LENS_PROBE_DIR is set, it starts the probe (vram_lens_probe), which waits for `torch` to be
#      imported by the program itself and never imports anything the program does not;
#   2. it runs the `sitecustomize` this one hides, if another folder on sys.path has one (a conda or
#      Debian Python ships one), so that the environment behaves as it does without the probe.
import os
import sys


def _vram_lens_start():
    out_dir = os.environ.get("VRAM_LENS_PROBE_DIR")
    if not out_dir:
        return
    # the editor's terminal keeps these variables after the measurement: there the probe starts only while the
    # output folder the editor made for that one run still exists
    if os.environ.get("VRAM_LENS_PROBE_REQUIRE_DIR") and not os.path.isdir(out_dir):
        return
    try:
        import vram_lens_probe

        vram_lens_probe.install()
    except Exception as e:  # the probe must never stop the program from starting
        sys.stderr.write("vram-lens probe: not started: %s: %s\n" % (type(e).__name__, e))


def _vram_lens_chain():
    """Runs the next `sitecustomize` on sys.path, the one Python would have imported without us."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    others = [p for p in sys.path if isinstance(p, str) and os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_vram_lens_start()
_vram_lens_chain()
