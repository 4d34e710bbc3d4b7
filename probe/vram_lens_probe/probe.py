"""One process's measurement: phases of each training step, their memory peaks, the stop after N steps.

Phases, told apart without touching the training code:
  setup       from start-up to the first forward (model loading)
  forward     from the first module call of a step (a global forward pre-hook) to the backward: forward + loss
  backward    torch.autograd.backward (Tensor.backward calls it), until the next phase starts, so gradient
              clipping and unscaling count here; an optimizer stepped inside the backward
              (optimizer-in-backward) counts here too
  optimizer   from the global optimizer pre-hook to the post-hook (torch >= 2.0)
  generation  transformers GenerationMixin.generate / vLLM LLM.generate, until the next phase starts
  other       after an optimizer step until the next phase: zero_grad, logging, evaluation, checkpoints
At each phase boundary the allocator's peaks since the last boundary are read (max_memory_allocated,
max_memory_reserved) with the device-wide use at that moment (mem_get_info), then the peaks are reset.

An optimizer step counts as a training step when a backward ran since the last counted step (ZeRO-3
steps its inner optimizer once per parameter sub-group; those are one step). After the N-th step the
result file is written and the process leaves with SystemExit(0) from the optimizer's post-hook.
Nothing the hooks do changes a value the training computes. The probe reads memory statistics only
once CUDA has been initialised by the program, so it never creates a CUDA context itself.
"""
import atexit
import functools
import json
import os
import signal
import sys
import threading
import time

FORMAT = 1
PACKAGES = ("torch", "transformers", "peft", "trl", "deepspeed", "accelerate", "bitsandbytes", "vllm", "unsloth", "flash_attn", "liger_kernel")
MAX_STEPS_KEPT = 100
MAX_MESSAGE = 4000


def _env_int(name, default):
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return default


def _never():
    return False


class Probe(object):
    def __init__(self, out_dir, steps):
        self.out_dir = out_dir
        self.steps_requested = max(1, steps)
        self.rank = _env_int("RANK", 0)
        self.local_rank = _env_int("LOCAL_RANK", -1)
        self.world_size = _env_int("WORLD_SIZE", 1)
        self.torch = None
        self.oom_types = ()
        self.is_compiling = _never
        self.lock = threading.RLock()
        self.phase = "setup"
        self.phase_step = 0  # the training step the current phase belongs to
        self.step = 0  # training steps completed
        self.backward_seen = False
        self.backward_since_step = False
        self.step_in_backward = False
        self.in_backward = 0
        self.in_generation = 0
        self.phases = {}  # phase -> peaks over the whole run
        self.steps = {}  # step -> {phase -> peaks}
        self.device = None  # {index, name, totalBytes}, once CUDA is initialised
        self.num_ooms = 0
        self.oom = None
        self.error = None
        self.notes = []
        self.disabled = None
        self.stopping = False
        self.written = False
        self.started = time.time()

    # ---- attaching ---------------------------------------------------------------------------------

    def attach_torch(self, torch):
        self.torch = torch
        oom = getattr(torch.cuda, "OutOfMemoryError", None)
        self.oom_types = (oom,) if isinstance(oom, type) else ()
        # Inside a torch.compile trace the forward hook returns at once (no guard, no graph break).
        compiler = getattr(torch, "compiler", None)
        self.is_compiling = getattr(compiler, "is_compiling", None) or getattr(getattr(torch, "_utils", None), "is_compiling", None) or _never

        register_forward = getattr(torch.nn.modules.module, "register_module_forward_pre_hook", None)
        if register_forward is not None:
            register_forward(self._on_forward)
        else:
            self.notes.append("no global module forward hook in this torch: forward is not told apart from setup")

        original = torch.autograd.backward
        probe = self

        @functools.wraps(original)
        def backward(*args, **kwargs):
            return probe._run_backward(original, args, kwargs)

        torch.autograd.backward = backward

        optimizer_module = getattr(torch.optim, "optimizer", None)
        pre = getattr(optimizer_module, "register_optimizer_step_pre_hook", None)
        post = getattr(optimizer_module, "register_optimizer_step_post_hook", None)
        if pre is not None and post is not None:
            pre(self._on_step_pre)
            post(self._on_step_post)
        else:
            self.notes.append("torch %s has no global optimizer step hooks (torch >= 2.0 has them): steps are not counted" % getattr(torch, "__version__", "?"))

        previous_excepthook = sys.excepthook

        def excepthook(kind, value, tb):
            try:
                probe._record_exception(value, uncaught=True)
            except Exception:
                pass
            previous_excepthook(kind, value, tb)

        sys.excepthook = excepthook
        atexit.register(self._at_exit)
        # torchrun ends the other ranks with SIGTERM when one fails: write what they have, then die as before.
        if hasattr(signal, "SIGTERM") and threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, self._on_sigterm)

    def attach_transformers(self, module):
        mixin = getattr(module, "GenerationMixin", None)
        if mixin is not None:
            self._wrap_generation(mixin, "generate")

    def attach_vllm(self, module):
        llm = getattr(module, "LLM", None)
        if llm is not None:
            self._wrap_generation(llm, "generate")

    def _wrap_generation(self, owner, name):
        original = owner.__dict__.get(name)
        if not callable(original) or getattr(original, "_vram_lens", False):
            return
        probe = self

        @functools.wraps(original)
        def generate(*args, **kwargs):
            outer = probe._begin_nested("generation")
            try:
                result = original(*args, **kwargs)
            except BaseException as e:
                probe.in_generation -= 1
                if outer:
                    probe._record_exception(e)
                raise
            probe.in_generation -= 1
            return result

        generate._vram_lens = True
        setattr(owner, name, generate)

    # ---- hooks -------------------------------------------------------------------------------------

    def _guarded(self, fn, *args):
        """Runs a hook body; a probe error disables the probe instead of breaking the training."""
        if self.disabled is not None:
            return
        try:
            fn(*args)
        except SystemExit:
            raise
        except Exception as e:
            self.disabled = "%s: %s" % (type(e).__name__, e)
            self.notes.append("probe disabled after an internal error: " + self.disabled)

    def _on_forward(self, module, args):
        if self.is_compiling():
            return None
        if self.phase == "forward" or self.in_backward or self.in_generation:
            if self.stopping:
                self._stop_again()
            return None
        self._guarded(self._enter, "forward")
        return None

    def _begin_nested(self, phase):
        """Enters backward or generation; True for the outermost call (nested calls belong to it)."""
        with self.lock:
            if phase == "backward":
                self.in_backward += 1
                outer = self.in_backward == 1
            else:
                self.in_generation += 1
                outer = self.in_generation == 1
        if outer:
            self._guarded(self._enter, phase)
        return outer

    def _run_backward(self, original, args, kwargs):
        outer = self._begin_nested("backward")
        if outer:
            self.backward_seen = True
            self.backward_since_step = True
        try:
            result = original(*args, **kwargs)
        except BaseException as e:
            self.in_backward -= 1
            if outer:
                self._record_exception(e)
            raise
        self.in_backward -= 1
        if outer and self.step_in_backward:
            # optimizer-in-backward: the parameters were updated during this backward
            self.step_in_backward = False
            self.backward_since_step = False
            self._guarded(self._count_step)
        return result

    def _on_step_pre(self, optimizer, args, kwargs):
        if not self.in_backward:
            self._guarded(self._enter, "optimizer")
        return None

    def _on_step_post(self, optimizer, args, kwargs):
        if self.in_backward:
            self.step_in_backward = True
            return None
        # No backward seen at all (a backward this probe cannot see): count every optimizer step.
        if self.backward_since_step or not self.backward_seen:
            self.backward_since_step = False
            self._guarded(self._count_step)
        return None

    # ---- phases and steps --------------------------------------------------------------------------

    def _enter(self, phase):
        if self.stopping:
            self._stop_again()
        with self.lock:
            if phase == self.phase:
                return
            if phase == "optimizer" and not self.backward_since_step and self.backward_seen:
                step = self.step  # one more inner step of the step just counted
            else:
                step = self.step + 1
            self._switch(phase, step)

    def _switch(self, phase, step):
        """Closes the current phase (records its peaks, resets them) and starts `phase`."""
        peaks = self._read_and_reset()
        if peaks is not None:
            self._add(self.phases, self.phase, peaks)
            if len(self.steps) < MAX_STEPS_KEPT or self.phase_step in self.steps:
                self._add(self.steps.setdefault(self.phase_step, {}), self.phase, peaks)
        self.phase = phase
        self.phase_step = step

    @staticmethod
    def _add(table, phase, peaks):
        allocated, reserved, used = peaks
        cur = table.get(phase)
        if cur is None:
            table[phase] = {"allocatedBytes": allocated, "reservedBytes": reserved, "deviceUsedBytes": used, "count": 1}
            return
        cur["allocatedBytes"] = max(cur["allocatedBytes"], allocated)
        cur["reservedBytes"] = max(cur["reservedBytes"], reserved)
        if used is not None:
            cur["deviceUsedBytes"] = used if cur["deviceUsedBytes"] is None else max(cur["deviceUsedBytes"], used)
        cur["count"] += 1

    def _device_index(self):
        cuda = self.torch.cuda
        if 0 <= self.local_rank < cuda.device_count():
            return self.local_rank
        return cuda.current_device()

    def _read_and_reset(self):
        """(peak allocated, peak reserved, device-wide use now) since the last reset; None before CUDA starts."""
        if self.torch is None:
            return None
        cuda = self.torch.cuda
        if not cuda.is_initialized():
            return None
        index = self._device_index()
        allocated = int(cuda.max_memory_allocated(index))
        reserved = int(cuda.max_memory_reserved(index))
        used = None
        try:
            free, total = cuda.mem_get_info(index)
            used = int(total - free)
        except Exception:
            total = None
        if self.device is None or self.device["index"] != index:
            self.device = {"index": index, "name": str(cuda.get_device_name(index)), "totalBytes": int(total) if total else None}
        try:
            self.num_ooms = int(cuda.memory_stats(index).get("num_ooms", 0))
        except Exception:
            pass
        cuda.reset_peak_memory_stats(index)
        return allocated, reserved, used

    def _count_step(self):
        with self.lock:
            self.step += 1
            self._switch("other", self.step)
            if self.step >= self.steps_requested:
                self._stop()

    # ---- stopping and errors -----------------------------------------------------------------------

    def _stop(self):
        self.stopping = True
        self._write("stopped")
        if self.rank == 0:
            sys.stderr.write("vram-lens probe: stopping after %d optimizer step%s, as asked\n" % (self.step, "" if self.step == 1 else "s"))
        dist = getattr(self.torch, "distributed", None)
        try:
            if dist is not None and dist.is_available() and dist.is_initialized():
                dist.destroy_process_group()
        except Exception:
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        if threading.current_thread() is not threading.main_thread():
            os._exit(0)  # SystemExit would end this thread only
        raise SystemExit(0)

    def _stop_again(self):
        """The program caught our SystemExit and went on: the result is written, leave for good."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(0)

    def _is_oom(self, e):
        if self.oom_types and isinstance(e, self.oom_types):
            return True
        return isinstance(e, RuntimeError) and "out of memory" in str(e)

    def _record_exception(self, e, uncaught=False):
        """Keeps an out-of-memory error (message, step, phase); an uncaught other one (Ctrl-C too) as the error."""
        if isinstance(e, SystemExit):
            return
        with self.lock:
            if self._is_oom(e):
                if self.oom is None:
                    self.oom = {"message": str(e)[:MAX_MESSAGE], "step": self.phase_step, "phase": self.phase}
                    # the peak of the phase that ran out, up to the failed allocation
                    try:
                        self._switch(self.phase, self.phase_step)
                    except Exception:
                        pass
            elif uncaught and self.error is None:
                self.error = ("%s: %s" % (type(e).__name__, e))[:MAX_MESSAGE]

    def _on_sigterm(self, signum, frame):
        try:
            self._write("terminated")
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    def _at_exit(self):
        if self.written:
            return
        status = "oom" if self.oom is not None else "error" if self.error is not None else "finished"
        self._write(status)

    # ---- the result file ---------------------------------------------------------------------------

    def _write(self, status):
        with self.lock:
            if self.written:
                return
            cuda = getattr(self.torch, "cuda", None)
            started_cuda = cuda is not None and cuda.is_initialized()
            # A process that never used the GPU (a launcher, a data worker) leaves no file.
            if not started_cuda and self.oom is None and self.step == 0:
                return
            self.written = True
            try:
                if started_cuda and self.disabled is None:
                    self._switch(self.phase, self.phase_step)  # the phase that was running
            except Exception as e:
                self.notes.append("last phase not read: %s: %s" % (type(e).__name__, e))
            torch_version = getattr(self.torch, "version", None)
            result = {
                "format": FORMAT,
                "rank": self.rank,
                "localRank": self.local_rank if self.local_rank >= 0 else None,
                "worldSize": self.world_size,
                "pid": os.getpid(),
                "status": status,
                "stepsRequested": self.steps_requested,
                "stepsCompleted": self.step,
                "device": self.device,
                "deviceCount": int(cuda.device_count()) if started_cuda else None,
                "versions": self._versions(),
                "cuda": getattr(torch_version, "cuda", None),
                "hip": getattr(torch_version, "hip", None),
                "python": "%d.%d.%d" % sys.version_info[:3],
                "phases": self.phases,
                "steps": [{"step": s, "phases": self.steps[s]} for s in sorted(self.steps)],
                "oom": self.oom,
                "numOoms": self.num_ooms,
                "error": self.error,
                "notes": self.notes,
                "seconds": round(time.time() - self.started, 3),
            }
            try:
                os.makedirs(self.out_dir, exist_ok=True)
                path = os.path.join(self.out_dir, "rank%d-pid%d.json" % (self.rank, os.getpid()))
                with open(path + ".tmp", "w") as f:
                    json.dump(result, f, indent=1, default=str)
                os.replace(path + ".tmp", path)
            except Exception as e:
                sys.stderr.write("vram-lens probe: could not write the result: %s: %s\n" % (type(e).__name__, e))

    @staticmethod
    def _versions():
        """Versions of the packages the program imported (read from sys.modules, nothing is imported)."""
        out = {}
        for name in PACKAGES:
            version = getattr(sys.modules.get(name), "__version__", None)
            if version is not None:
                out[name] = str(version)
        return out
