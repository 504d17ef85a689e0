"""What a failed cell tells about an autograd error: the objects involved and the user's
names for them.

micrograd_nb's engine attaches the objects involved to the exceptions it raises
(``errors.attach``: the outputs and gradients of the ``backward``/``grad`` call, the node
that failed, the tensor changed in place...), so for our errors nothing is guessed. PyTorch
attaches nothing; for its errors the same facts are read from the locals of torch's own
``backward``/``grad`` frames, the one place they are. The user's frame (the cell, or a
function the cell called) gives the source line and the names.
"""

import linecache
import re
import sys
import sysconfig
from pathlib import Path

_SKIP_NAMES = {"In", "Out", "exit", "quit", "get_ipython"}

# PyTorch's Python entry points of a backward pass, whose locals hold the call's arguments.
_TORCH_CALLS = {
    ("torch._tensor", "backward"): "backward",
    ("torch.autograd", "backward"): "backward",
    ("torch.autograd", "grad"): "grad",
}

_LIBRARY_PACKAGES = ("micrograd_nb", "torch", "numpy", "IPython", "ipykernel")
_library_roots = None


def _is_library(frame):
    global _library_roots
    if module_of(frame).split(".")[0] in _LIBRARY_PACKAGES:
        return True
    filename = frame.f_code.co_filename
    if filename.startswith("<"):
        return False
    if _library_roots is None:
        paths = sysconfig.get_paths()
        roots = {str(Path(paths[key]).resolve()) for key in
                 ("purelib", "platlib", "stdlib", "platstdlib") if paths.get(key)}
        _library_roots = tuple(sorted(roots))
    try:
        return str(Path(filename).resolve()).startswith(_library_roots)
    except (OSError, ValueError):
        return False


def module_of(frame):
    return frame.f_globals.get("__name__", "") or ""


def as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def is_torch(obj):
    return type(obj).__module__.split(".")[0] == "torch"


def is_ours(obj):
    return type(obj).__module__.split(".")[0] == "micrograd_nb"


def is_view(t):
    """Whether ``t`` (ours or torch's) is a view of another tensor."""
    if t is None:
        return False
    if getattr(t, "_view_of_leaf", False):
        return True
    check = getattr(t, "_is_view", None)
    try:
        return bool(check()) if callable(check) else False
    except Exception:
        return False


class Scene:
    """An exception, read once: its message; the objects involved (``outputs``,
    ``gradients``, ``inputs``, ``call``, and per error ``tensor``, ``node``...); the user's
    frame, line and names; which engine raised it."""

    def __init__(self, exc):
        self.message = str(exc)
        frames = []
        tb = getattr(exc, "__traceback__", None)
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        # The innermost run of library frames is where the error was raised; the frame
        # just outside it is the user's code.
        i = len(frames)
        while i > 0 and _is_library(frames[i - 1][0]):
            i -= 1
        self.library = [f for f, _ in frames[i:]]
        self.user_frame, user_line = frames[i - 1] if i > 0 else (None, None)
        self.source = ""
        if self.user_frame is not None:
            filename = self.user_frame.f_code.co_filename
            self.source = linecache.getline(filename, user_line).strip()
        attached = getattr(exc, "autograd_objects", None)
        self.objects = dict(attached) if isinstance(attached, dict) else {}
        if self.objects:
            self.engine = "micrograd_nb"
        else:
            self.engine = self._read_torch_call()

    def _read_torch_call(self):
        for frame in self.library:  # outermost first: the user's own objects
            call = _TORCH_CALLS.get((module_of(frame), frame.f_code.co_name))
            if call is None:
                continue
            loc = frame.f_locals
            self.objects["call"] = call
            if "self" in loc:
                self.objects["outputs"] = [loc["self"]]
                self.objects["gradients"] = as_list(loc.get("gradient")) or None
            elif call == "grad":
                self.objects["outputs"] = as_list(loc.get("outputs"))
                self.objects["gradients"] = as_list(loc.get("grad_outputs")) or None
                self.objects["inputs"] = as_list(loc.get("inputs"))
            else:
                self.objects["outputs"] = as_list(loc.get("tensors"))
                self.objects["gradients"] = as_list(loc.get("grad_tensors")) or None
            return "torch"
        if any(module_of(f).split(".")[0] == "torch" for f in self.library):
            return "torch"
        if any(module_of(f).startswith("micrograd_nb.") for f in self.library):
            return "micrograd_nb"
        return None

    # --- the objects involved ----------------------------------------------------------

    @property
    def call(self):
        return self.objects.get("call")

    @property
    def outputs(self):
        return self.objects.get("outputs") or []

    @property
    def gradients(self):
        return self.objects.get("gradients")

    @property
    def inputs(self):
        return self.objects.get("inputs") or []

    def get(self, key):
        return self.objects.get(key)

    def torch_local(self, function, name):
        """``name`` in the innermost frame of torch's ``function`` (torch attaches nothing
        to its exceptions)."""
        for frame in reversed(self.library):
            if module_of(frame).split(".")[0] == "torch" and frame.f_code.co_name == function:
                return frame.f_locals.get(name)
        return None

    # --- the user's side ---------------------------------------------------------------

    def name_of(self, obj):
        """The user's name for ``obj``: one named in the failing line first, else the
        first in alphabetical order; None for a temporary."""
        if obj is None or self.user_frame is None:
            return None
        found = []
        for namespace in (self.user_frame.f_locals, self.user_frame.f_globals):
            for name, value in list(namespace.items()):
                if value is obj and not name.startswith("_") and name not in _SKIP_NAMES:
                    found.append(name)
            if found:
                break
        if not found:
            return self._element_name(obj)
        in_line = [w for w in re.findall(r"[A-Za-z_]\w*", self.source) if w in found]
        return in_line[0] if in_line else sorted(found)[0]

    def _element_name(self, obj):
        """``g[0]`` for an object the user holds in a tuple or list ``g`` (the tuple
        autograd.grad() returns), else None."""
        for namespace in (self.user_frame.f_locals, self.user_frame.f_globals):
            for name in sorted(namespace):
                value = namespace[name]
                if name.startswith("_") or name in _SKIP_NAMES:
                    continue
                if isinstance(value, (tuple, list)) and len(value) <= 16:
                    for i, item in enumerate(value):
                        if item is obj:
                            return f"{name}[{i}]"
        return None

    def names(self, objs):
        """``x`` or ``[x, z]`` from the user's names; None if one of them has no name."""
        names = [self.name_of(o) for o in objs]
        if not names or any(n is None for n in names):
            return None
        return names[0] if len(names) == 1 else f"[{', '.join(names)}]"

    def lookup(self, name):
        """The value bound to ``name`` where the error happened, or None."""
        if self.user_frame is None or not name:
            return None
        if name in self.user_frame.f_locals:
            return self.user_frame.f_locals[name]
        return self.user_frame.f_globals.get(name)

    def user_tensors(self):
        """(name, tensor) for every torch or micrograd_nb tensor in the user's namespace,
        sorted by name."""
        if self.user_frame is None:
            return []
        found = {}
        for namespace in (self.user_frame.f_globals, self.user_frame.f_locals):
            for n, v in list(namespace.items()):
                if n.startswith("_") or n in _SKIP_NAMES:
                    continue
                if (is_torch(v) or is_ours(v)) and type(v).__name__ in ("Tensor", "Parameter"):
                    found[n] = v
        return sorted(found.items(), key=lambda item: item[0])

    def engine_of(self, *objs):
        """"torch" or "micrograd_nb": from the objects, else from the frames."""
        for obj in objs:
            if is_torch(obj):
                return "torch"
            if is_ours(obj):
                return "micrograd_nb"
        if self.engine:
            return self.engine
        if re.search(r"micrograd_nb\.(?:Size|\w+Tensor)\b", self.message):
            return "micrograd_nb"
        # micrograd_nb always raises from Python frames; a bare error comes from torch's C++.
        return "torch"

    def alias(self, engine):
        """How the user's code spells the module: ``mg``, ``torch``..."""
        module = sys.modules.get(engine)
        default = "torch" if engine == "torch" else "mg"
        if module is None or self.user_frame is None:
            return default
        names = sorted(n for n, v in self.user_frame.f_globals.items()
                       if v is module and not n.startswith("_"))
        if default in names or not names:
            return default
        return names[0]

    def cell_sources(self):
        """The source of the failing cell (or of the function it called), then of the cells
        run before it, newest first (IPython's ``In``): for facts that depend on how a value
        was made."""
        sources = []
        if self.user_frame is not None:
            sources.append("".join(linecache.getlines(self.user_frame.f_code.co_filename)))
        history = self.lookup("In")
        if isinstance(history, list):
            sources += [c for c in reversed(history) if isinstance(c, str)]
        return sources
