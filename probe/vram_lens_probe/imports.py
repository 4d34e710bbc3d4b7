"""Post-import hooks: run a callback right after the program itself imports a module.

A finder first on sys.meta_path asks the other finders for the module's spec and wraps its loader's
exec_module, so the callback runs once the module has executed completely. Nothing is imported here.
"""
import sys

_callbacks = {}  # module name -> callbacks still to run
_finder = None


def _run(callback, module):
    try:
        callback(module)
    except Exception as e:  # a failing hook must not break the program's import
        sys.stderr.write("vram-lens probe: could not attach to %s: %s: %s\n" % (module.__name__, type(e).__name__, e))


def after_import(name, callback):
    """Calls callback(module) once `name` is imported (at once when it already is)."""
    global _finder
    module = sys.modules.get(name)
    if module is not None:
        _run(callback, module)
        return
    _callbacks.setdefault(name, []).append(callback)
    if _finder is None:
        _finder = _AfterImportFinder()
        sys.meta_path.insert(0, _finder)


class _AfterImportFinder(object):
    def find_spec(self, name, path, target=None):
        if name not in _callbacks:
            return None
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        loader = spec.loader if spec is not None else None
        inner = getattr(loader, "exec_module", None)
        # Loaders that are classes (built-in, frozen) are shared by many modules: leave those alone.
        if inner is None or isinstance(loader, type):
            return spec

        def exec_module(module):
            inner(module)
            for callback in _callbacks.pop(name, []):
                _run(callback, module)

        try:
            loader.exec_module = exec_module
        except (AttributeError, TypeError):
            pass
        return spec

    def invalidate_caches(self):
        pass
