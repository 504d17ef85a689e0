"""The ``torch.*`` names, and the engine module each comes from: one table that both
``micrograd_nb`` (the ``torch`` namespace) and ``micrograd_nb.autograd`` export."""

import importlib

# module (relative to this package) -> the names PyTorch has at ``torch.<name>``.
TORCH_NAMES = {
    "tensor": ("Tensor",),
    "compiled": ("compile",),
    "value": ("Value",),
    "dtypes": ("Size", "dtype", "bool_", "uint8", "int8", "int16", "int32", "int64",
               "float16", "float32", "float64", "double", "half", "long", "short",
               "get_default_dtype", "set_default_dtype"),
    "devices": ("device", "get_default_device", "set_default_device"),
    "factories": ("arange", "as_tensor", "asarray", "empty", "empty_like", "eye", "from_numpy",
                  "full", "full_like", "linspace", "logspace", "ones", "ones_like", "tensor",
                  "zeros", "zeros_like"),
    "functions": ("addmm", "bmm", "cat", "concat", "dot", "einsum", "ger", "inner", "matmul",
                  "mm", "mv", "norm", "outer", "stack", "where"),
    "graph": ("enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"),
    "random": ("Generator", "bernoulli", "default_generator", "get_rng_state", "initial_seed",
               "manual_seed", "multinomial", "normal", "rand", "rand_like", "randint",
               "randint_like", "randn", "randn_like", "randperm", "seed", "set_rng_state"),
}


def export(namespace):
    """Put every name of the table into ``namespace`` (a module's ``globals()``)."""
    for module, names in TORCH_NAMES.items():
        source = importlib.import_module(f"{__package__}.{module}")
        namespace.update((name, getattr(source, name)) for name in names)
