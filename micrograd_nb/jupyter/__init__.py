"""The Jupyter side: ``%load_ext micrograd_nb`` registers the ``%%autograd`` cell magic,
the error explainer and ``%autograd_engine``; ``%unload_ext micrograd_nb`` removes exactly
those. The only package that imports IPython."""


def load_ipython_extension(ip):
    from . import engine_magic, explainer
    from .magic import AutogradMagics

    ip.register_magics(AutogradMagics)
    explainer.install(ip)
    engine_magic.load(ip)


def unload_ipython_extension(ip):
    from . import engine_magic, explainer
    from .magic import AutogradMagics

    manager = ip.magics_manager
    for kind, names in AutogradMagics.magics.items():
        for name in names:
            manager.magics[kind].pop(name, None)
    manager.registry.pop(AutogradMagics.__name__, None)
    explainer.uninstall(ip)
    engine_magic.unload(ip)
