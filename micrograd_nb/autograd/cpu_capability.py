"""Which of its CPU kernels PyTorch runs on this machine: ``"default"``, ``"avx2"`` or
``"avx512"``, the answer of ``torch.backends.cpu.get_cpu_capability()`` (lower-cased).

Some of PyTorch's float kernels round differently in their vectorised builds (a fused
multiply-add, approximations of log/sin/cos), so the random numbers depend on the build
that runs. PyTorch picks it once per process (``compute_cpu_capability`` in
aten/src/ATen/native/DispatchStub.cpp):

1. ``ATEN_CPU_CAPABILITY`` if it names a build of this machine's wheel (``avx512``,
   ``avx2``, ``default``); any other value is ignored (PyTorch warns);
2. else the CPU's features, as the cpuinfo library reports them: AVX-512 VL, BW and DQ
   with FMA3 give ``avx512``, AVX2 with FMA3 give ``avx2``;
3. else ``default``. Only x86-64 wheels have the vectorised builds.

The features come from numpy's own run-time detection (``__cpu_features__``, which reads
CPUID and asks the operating system whether it saves the AVX registers, as cpuinfo does),
so the answer is the same on Linux, macOS and Windows without reading ``/proc/cpuinfo``.
"""

import functools
import os
import platform

DEFAULT, AVX2, AVX512 = "default", "avx2", "avx512"
_X86_64 = ("x86_64", "amd64")


def cpu_capability():
    """PyTorch's CPU capability in this process."""
    return capability_for(os.environ.get("ATEN_CPU_CAPABILITY"), platform.machine(),
                          _cpu_features())


def capability_for(env_value, machine, features):
    """The capability for an ``ATEN_CPU_CAPABILITY`` value (or ``None``), a machine name
    (``platform.machine()``) and numpy's feature flags: the rule, apart from the lookups."""
    if machine.lower() not in _X86_64:
        return DEFAULT
    if env_value in (AVX512, AVX2, DEFAULT):  # exact names, as PyTorch's strcmp
        return env_value
    has = {name for name, present in features.items() if present}
    if {"AVX512VL", "AVX512BW", "AVX512DQ", "FMA3"} <= has:
        return AVX512
    if {"AVX2", "FMA3"} <= has:
        return AVX2
    return DEFAULT


def runs_vectorised_kernels():
    """Whether PyTorch runs its AVX2 code for the float kernels here (the AVX-512 build
    runs the same AVX2 code for them)."""
    return cpu_capability() != DEFAULT


@functools.cache
def _cpu_features():
    try:  # numpy >= 2
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__
    return dict(__cpu_features__)
