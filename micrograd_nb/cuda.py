"""``torch.cuda`` as a CPU-only build answers it: no device, and a clear refusal for
anything that needs one. Seeding is accepted and does nothing, as in PyTorch."""

from .autograd import errors


def _no_cuda(*args, **kwargs):
    raise AssertionError(errors.NOT_COMPILED_WITH.format(backend="CUDA"))


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    pass


manual_seed_all = manual_seed
current_device = synchronize = get_device_name = set_device = empty_cache = _no_cuda
