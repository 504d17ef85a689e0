"""Which of Graphviz's plugins the system ``dot`` loads for a picture: the layout and the
SVG writer alone, without a text-layout plugin.

Without a "textlayout" plugin Graphviz measures text with its built-in table of font
metrics (Arial's for Helvetica) instead of pango. Two reasons to want that:

- pango and fontconfig were about 40% of dot's work on a 100-op picture;
- the picture is the same on every machine, whatever fonts the kernel's machine has
  (pango measures with whichever font fontconfig substitutes), and the same as the
  in-process WebAssembly renderer's, which has no pango. The SVG is shown in the reader's
  browser, whose fonts the kernel's machine cannot know anyway; browsers show Helvetica
  as Helvetica, Arial or Liberation Sans, all of Arial's widths.

Graphviz reads its plugins from the folder named by ``GVBINDIR`` (documented), through
the ``config6a`` there that ``dot -c`` writes. So a private folder holds links to the
installed core and dot_layout plugins and its own ``config6a``, made once:

- in the user's cache folder, named after the dot executable (path, size, mtime) and
  LD_LIBRARY_PATH, so another graphviz gets another folder. It is built in a temporary
  folder beside it and renamed into place: processes that build it at once never see half
  a folder, and the first rename wins;
- where the cache folder cannot be written (a read-only home), in a temporary folder of
  this process's own, removed at exit.

Where anything about it fails (no config6a to read, no symlinks, ``dot -c`` refusing),
``environment`` gives None and dot runs as it always did, with every plugin; render.py
also stops using the folder (``set_aside``) where it fails to render what the full set
renders. ``MICROGRAD_NB_DOT_PLUGINS=all`` asks for every plugin (pango's text layout),
and a ``GVBINDIR`` the user set is left alone.
"""

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

PLUGINS = ("core", "dot_layout")  # the SVG writer; the dot layout
ALL_VARIABLE = "MICROGRAD_NB_DOT_PLUGINS"  # "all": every installed plugin, as plain dot
CONFIG = "config6a"
SETUP_TIMEOUT = 30  # seconds, for the one-off `dot -v` and `dot -c`
_ENTRY = re.compile(r"^(\S+) (\S+) \{$", re.MULTILINE)  # `libgvplugin_core.so.6 core {`
_LIBDIR = re.compile(r'^libdir = "(.*)"$', re.MULTILINE)

_folders = {}  # (executable, LD_LIBRARY_PATH) -> the private folder, or None: failed
_own_temporary = []  # (pid, folder) of a folder this process made outside the cache


def environment(executable):
    """The environment to run ``executable`` with for an SVG: this one with GVBINDIR
    naming the private plugin folder; or None, where dot should run as it is."""
    if os.environ.get(ALL_VARIABLE) == "all" or "GVBINDIR" in os.environ:
        return None
    folder = folder_for(executable)
    if folder is None:
        return None
    return dict(os.environ, GVBINDIR=folder)


def folder_for(executable):
    """The private plugin folder for ``executable`` (made on first use), or None."""
    key = (executable, os.environ.get("LD_LIBRARY_PATH"))
    if key not in _folders:
        try:
            _folders[key] = _find_or_make(executable)
        except (OSError, ValueError, subprocess.SubprocessError):
            _folders[key] = None
    return _folders[key]


def set_aside(executable):
    """Stop using the private folder for ``executable`` in this process: dot could not
    render with it what it renders with every plugin."""
    _folders[(executable, os.environ.get("LD_LIBRARY_PATH"))] = None


def _find_or_make(executable):
    name = f"dot-plugins-{_identity(executable)}"
    cached = _cache_dir() / name
    if _usable(cached):
        return str(cached)
    try:
        return _build(executable, cached)
    except OSError:  # no writable cache folder: one of this process's own
        pid = os.getpid()
        for owner, folder in _own_temporary:
            if owner == pid and _usable(Path(folder)):
                return folder
        folder = tempfile.mkdtemp(prefix="micrograd_nb-dot-plugins-")
        _own_temporary.append((pid, folder))
        _fill(executable, Path(folder))
        return folder


def _identity(executable):
    real = os.path.realpath(executable)
    stat = os.stat(real)
    text = f"{real}\0{stat.st_size}\0{stat.st_mtime_ns}\0{os.environ.get('LD_LIBRARY_PATH')}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "micrograd_nb"


def _usable(folder):
    """A complete folder: its config lists exactly our plugins, each link leads to a file
    (a graphviz removed or upgraded since leaves dangling links)."""
    try:
        config = (folder / CONFIG).read_text()
    except OSError:
        return False
    entries = _ENTRY.findall(config)
    return (sorted(plugin for _, plugin in entries) == sorted(PLUGINS)
            and all((folder / library).is_file() for library, _ in entries))


def _build(executable, final):
    """Build the folder beside ``final`` and rename it into place; where another process
    got there first, theirs is used. OSError where the cache folder is not writable."""
    final.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=final.parent))
    try:
        _fill(executable, building)
        try:
            building.rename(final)
        except OSError:  # there already: another process's, or a stale one
            if _usable(final):
                return str(final)
            stale = final.with_name(f".stale-{os.getpid()}-{final.name}")
            final.rename(stale)
            shutil.rmtree(stale, ignore_errors=True)
            building.rename(final)
        return str(final)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _fill(executable, folder):
    """Links to the installed core and dot_layout plugins in ``folder``, and the config
    ``dot -c`` writes for them. ValueError where the installed ones cannot be found."""
    for library in _installed_plugins(executable):
        os.symlink(library, folder / os.path.basename(library))
    env = dict(os.environ, GVBINDIR=str(folder))
    subprocess.run([executable, "-c"], env=env, capture_output=True, timeout=SETUP_TIMEOUT,
                   check=True)
    if not _usable(folder):
        raise ValueError(f"dot -c wrote no config of {PLUGINS} in {folder}")


def _installed_plugins(executable):
    """The files of the installed core and dot_layout plugins: the folder dot reads its
    plugins from (``dot -v`` prints it: beside its libgvc, or the one it was built with),
    and their names in the config6a there."""
    env = {k: v for k, v in os.environ.items() if k != "GVBINDIR"}
    done = subprocess.run([executable, "-v", "-Tsvg", "-o", os.devnull], input=b"digraph {}",
                          env=env, capture_output=True, timeout=SETUP_TIMEOUT, check=False)
    found = _LIBDIR.search(done.stderr.decode(errors="replace"))
    if found is None:
        raise ValueError("dot -v did not say where its plugins are")
    libdir = Path(found.group(1))
    entries = {plugin: library for library, plugin in
               _ENTRY.findall((libdir / CONFIG).read_text())}
    libraries = []
    for plugin in PLUGINS:
        if plugin not in entries:
            raise ValueError(f"no {plugin} plugin in {libdir / CONFIG}")
        library = libdir / entries[plugin]  # the config names them relative to libdir
        if not library.is_file():
            raise ValueError(f"{library} is not there")
        libraries.append(str(library))
    return libraries


def _remove_own_temporary():
    pid = os.getpid()
    for owner, folder in _own_temporary:
        if owner == pid:  # not a folder a forked child inherited from its parent
            shutil.rmtree(folder, ignore_errors=True)


atexit.register(_remove_own_temporary)
