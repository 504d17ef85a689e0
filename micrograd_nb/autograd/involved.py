"""The objects involved in an error, attached to the exception the engine raises.

The message stays PyTorch's; the objects (the outputs and gradients of the ``backward()``
or ``grad()`` call, the node that failed, the tensor changed in place...) ride along as
``exc.autograd_objects``, so the notebook explainer states facts instead of reading them
back out of the traceback's frames.
"""


def attach(error, **objects):
    """Add ``objects`` to ``error``; what an inner raise attached first is kept."""
    attached = getattr(error, "autograd_objects", None)
    if not isinstance(attached, dict):
        attached = {}
        try:
            error.autograd_objects = attached
        except AttributeError:  # an exception type without a __dict__
            return error
    for key, value in objects.items():
        attached.setdefault(key, value)
    return error


class involving:
    """``with involving(call="backward", outputs=...):`` attaches those objects to any
    exception that leaves the block (a class, not a generator: no frame of its own joins
    the traceback)."""

    __slots__ = ("objects",)

    def __init__(self, **objects):
        self.objects = objects

    def __enter__(self):
        return self

    def __exit__(self, etype, error, tb):
        if isinstance(error, Exception):
            attach(error, **self.objects)
        return False
