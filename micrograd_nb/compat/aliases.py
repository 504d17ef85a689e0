"""What ``import torch...`` means on micrograd_nb: one row per PyTorch module, and the
PyTorch features a missing name belongs to (so the error can name it)."""

# PyTorch's module -> ours. A target that does not exist (yet) makes the import fail with
# an error that names the feature, as for any module we lack.
MODULES = {
    "torch": "micrograd_nb",
    "torch.nn": "micrograd_nb.nn",
    "torch.nn.functional": "micrograd_nb.nn.functional",
    "torch.nn.init": "micrograd_nb.nn.init",
    "torch.nn.modules": "micrograd_nb.nn.modules",
    "torch.nn.parameter": "micrograd_nb.nn.parameter",
    "torch.nn.utils": "micrograd_nb.nn.utils",
    "torch.optim": "micrograd_nb.optim",
    "torch.optim.lr_scheduler": "micrograd_nb.optim.lr_scheduler",
    "torch.autograd": "micrograd_nb.autograd",
    "torch.autograd.functional": "micrograd_nb.autograd.functional",
    "torch.autograd.function": "micrograd_nb.autograd.custom_function",
    "torch.autograd.gradcheck": "micrograd_nb.autograd.gradcheck",
    "torch.autograd.grad_mode": "micrograd_nb.autograd.graph",
    "torch.utils": None,  # a namespace of its own: only its ``data`` is ours
    "torch.utils.data": "micrograd_nb.data",
    "torch.linalg": "micrograd_nb.linalg",
    "torch.cuda": "micrograd_nb.cuda",
    "torch.backends": "micrograd_nb.backends",
    "torch.backends.mps": "micrograd_nb.backends.mps",
    "torch.backends.cudnn": "micrograd_nb.backends.cudnn",
    "torch.accelerator": "micrograd_nb.accelerator",
}

# Top-level packages that come with PyTorch but are no part of micrograd_nb.
OUT_OF_SCOPE_PACKAGES = {
    "torchvision": "image datasets, models and transforms: out of scope",
    "torchaudio": "audio: out of scope",
    "torchtext": "text datasets: out of scope",
}

# Features we name when one of their modules or functions is missing.
FEATURES = {
    "fft": "fast Fourier transforms",
    "special": "special functions",
    "distributions": "probability distributions",
    "distributed": "distributed training",
    "jit": "TorchScript",
    "onnx": "ONNX export",
    "sparse": "sparse tensors",
    "quantization": "quantization",
    "ao": "quantization and pruning",
    "fx": "graph capture",
    "export": "graph export",
    "func": "functorch's transforms (vmap, grad)",
    "vmap": "functorch's transforms (vmap, grad)",
    "profiler": "the profiler",
    "hub": "downloading pretrained models",
    "cuda": "CUDA: micrograd_nb runs on the CPU only",
    "mps": "the Apple GPU: micrograd_nb runs on the CPU only",
    "testing": "torch.testing's helpers",
    "data": "datasets and data loaders",
    "utils": "torch.utils's helpers (only torch.utils.data is part of micrograd_nb)",
    "complex64": "complex numbers",
    "complex128": "complex numbers",
    "cfloat": "complex numbers",
    "float16": "half precision",
    "half": "half precision",
    "bfloat16": "bfloat16 precision",
    "save": "saving tensors to files",
    "load": "loading tensors from files",
}


def feature_of(qualified_name):
    """The feature a missing ``torch.x.y`` belongs to, by its last part we know."""
    for part in reversed(qualified_name.split(".")[1:]):
        if part in FEATURES:
            return FEATURES[part]
    return None
