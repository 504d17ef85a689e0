"""The system dot draws SVG with the core and dot_layout plugins alone (Graphviz's own
font metrics, no pango), from a private plugin folder made once; wherever that cannot
be, dot runs as before, with every plugin, and the user sees a picture, not an error."""

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import micrograd_nb as mg
from micrograd_nb.autograd import record
from micrograd_nb.viz import dot_plugins, dot_process, draw
from micrograd_nb.viz import render as render_module

needs_dot = pytest.mark.skipif(not shutil.which("dot"), reason="no system dot")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No folder remembered, an empty cache folder, dot as it is installed."""
    monkeypatch.setattr(dot_plugins, "_folders", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GVBINDIR", raising=False)
    monkeypatch.delenv(dot_plugins.ALL_VARIABLE, raising=False)
    render_module.clear_svg_cache()
    dot_process.stop()
    yield tmp_path
    render_module.clear_svg_cache()
    dot_process.stop()


def _source():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    with record() as passes:
        (x * x).tanh().sum().backward()
    return draw(passes[0]).dot()


def _plain_svg(source):
    env = {k: v for k, v in os.environ.items() if k != "GVBINDIR"}
    return subprocess.run([shutil.which("dot"), "-Tsvg"], input=source.encode(), env=env,
                          capture_output=True, check=True).stdout


def _box_widths(svg):
    """The width of every node's outline, in points."""
    widths = []
    for points in re.findall(rb'<polygon fill="[^"]*" stroke="[^"]*" points="([^"]*)"', svg):
        xs = [float(p.split(b",")[0]) for p in points.split()]
        widths.append(max(xs) - min(xs))
    return widths


@needs_dot
def test_the_folder_holds_the_layout_and_svg_plugins_and_no_text_layout(fresh):
    folder = Path(dot_plugins.folder_for(shutil.which("dot")))
    assert folder.parent == fresh / "cache" / "micrograd_nb"
    config = (folder / "config6a").read_text()
    assert re.findall(r"^\S+ (\S+) \{$", config, re.MULTILINE) == ["core", "dot_layout"]
    assert "textlayout" not in config
    for link in folder.glob("libgvplugin_*"):
        assert link.is_symlink() and link.resolve().is_file()
    # dot itself says it reads them there
    verbose = subprocess.run([shutil.which("dot"), "-v", "-Tsvg", "-o", os.devnull],
                             input=b"digraph {}", capture_output=True,
                             env=dot_plugins.environment(shutil.which("dot"))).stderr.decode()
    assert f'libdir = "{folder}"' in verbose
    assert "Activated plugin library: libgvplugin_pango" not in verbose


@needs_dot
def test_pictures_are_drawn_with_it_by_the_long_lived_and_the_one_shot_dot(fresh):
    source = _source()
    executable = shutil.which("dot")
    env = dot_plugins.environment(executable)
    private = subprocess.run([executable, "-Tsvg"], input=source.encode(), env=env,
                             capture_output=True, check=True).stdout
    assert private != _plain_svg(source)  # text measured otherwise: another layout
    assert render_module.render(source, "svg", "dot")[0] == private
    assert dot_process._process[1] == (executable, env)
    other = source.replace("digraph autograd", "digraph other", 1)  # not to_dot's: one-shot
    one_shot = subprocess.run([executable, "-Tsvg"], input=other.encode(), env=env,
                              capture_output=True, check=True).stdout
    assert render_module.render(other, "svg", "dot")[0] == one_shot != _plain_svg(other)


@needs_dot
@pytest.mark.skipif("wasm" not in render_module.available_renderers(),
                    reason="no WebAssembly renderer")
def test_system_dot_measures_text_as_the_webassembly_renderer_does(fresh):
    source = _source()
    by_dot = _box_widths(render_module.render(source, "svg", "dot")[0])
    by_wasm = _box_widths(render_module.render(source, "svg", "wasm")[0])
    assert len(by_dot) == len(by_wasm) > 3
    assert by_dot == pytest.approx(by_wasm, abs=0.5)  # two graphviz versions round apart


@needs_dot
def test_every_plugin_on_request_or_where_the_user_chose_a_plugin_folder(fresh, monkeypatch):
    source = _source()
    monkeypatch.setenv(dot_plugins.ALL_VARIABLE, "all")
    assert dot_plugins.environment(shutil.which("dot")) is None
    assert render_module.render(source, "svg", "dot")[0] == _plain_svg(source)
    monkeypatch.delenv(dot_plugins.ALL_VARIABLE)
    monkeypatch.setenv("GVBINDIR", os.path.dirname(shutil.which("dot")))
    assert dot_plugins.environment(shutil.which("dot")) is None


@needs_dot
def test_several_processes_making_it_at_once_share_one_folder(fresh):
    code = ("from micrograd_nb.viz import dot_plugins; import shutil; "
            "print(dot_plugins.folder_for(shutil.which('dot')))")
    env = dict(os.environ, XDG_CACHE_HOME=str(fresh / "cache"), PYTHONPATH=str(REPO))

    def run(_):
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()

    with ThreadPoolExecutor(6) as pool:
        folders = set(pool.map(run, range(6)))
    assert len(folders) == 1 and folders != {"None"}
    folder = Path(folders.pop())
    assert dot_plugins._usable(folder)
    assert os.listdir(folder.parent) == [folder.name]  # no half-built leftovers


@needs_dot
def test_without_a_writable_cache_a_folder_of_the_process_removed_at_exit(fresh):
    blocker = fresh / "a-file"
    blocker.write_text("")
    code = ("from micrograd_nb.viz import dot_plugins, render; import shutil; "
            "print(dot_plugins.folder_for(shutil.which('dot'))); "
            "print(render.render('digraph autograd {\\n a -> b\\n}', 'svg', 'dot')[0][-7:])")
    env = dict(os.environ, XDG_CACHE_HOME=str(blocker / "cache"), PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    folder, tail = out
    assert folder != "None" and not folder.startswith(str(blocker))
    assert tail == r"b'</svg>\n'"
    assert not os.path.exists(folder)


@needs_dot
def test_a_stale_folder_is_made_again(fresh):
    executable = shutil.which("dot")
    folder = Path(dot_plugins.folder_for(executable))
    for link in folder.glob("libgvplugin_*"):  # as after graphviz was removed
        link.unlink()
        link.symlink_to(fresh / "gone")
    dot_plugins._folders.clear()
    assert dot_plugins.folder_for(executable) == str(folder)
    assert dot_plugins._usable(folder)


@needs_dot
def test_a_dot_that_does_not_say_where_its_plugins_are_runs_as_it_is(fresh):
    fake = fresh / "dot"  # says nothing on -v; draws as dot otherwise
    fake.write_text(f'#!/bin/sh\nfor a; do [ "$a" = -v ] && exit 1; done\n'
                    f'exec {shutil.which("dot")} "$@"\n')
    fake.chmod(0o755)
    assert dot_plugins.folder_for(str(fake)) is None
    assert dot_plugins.environment(str(fake)) is None


@needs_dot
def test_a_folder_dot_cannot_draw_with_falls_back_to_every_plugin(fresh, monkeypatch):
    """A broken folder costs the user nothing: the picture comes from plain dot, and
    later pictures do not try the folder again."""
    executable = shutil.which("dot")
    broken = fresh / "broken"
    broken.mkdir()  # no plugins: "Format: svg not recognized"
    dot_plugins._folders[(executable, os.environ.get("LD_LIBRARY_PATH"))] = str(broken)
    monkeypatch.setattr(render_module, "_dot_executable", lambda: executable)
    source = _source()
    assert render_module.render(source, "svg", "dot")[0] == _plain_svg(source)
    assert dot_plugins.environment(executable) is None
    with pytest.raises(RuntimeError, match="dot failed: .*syntax error"):
        render_module.render("digraph autograd {\n a -> \n}", "svg", "dot")


@needs_dot
def test_other_formats_are_drawn_with_every_plugin(fresh):
    png, _ = render_module.render(_source(), "png", "dot")  # needs cairo or gd
    assert png.startswith(b"\x89PNG")
