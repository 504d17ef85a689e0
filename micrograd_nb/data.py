"""``torch.utils.data`` (also importable as ``micrograd_nb.utils.data``): datasets,
samplers and a ``DataLoader`` that batches in the main process.

Shuffling draws exactly what PyTorch draws, so after the same seed the same batches come
out: each pass over a ``DataLoader`` first takes a 64-bit "base seed" from its generator
(PyTorch hands it to worker processes), then ``RandomSampler`` seeds a fresh generator from
the default one (or uses the one it was given) and walks ``randperm(n)``.
"""

import collections.abc
import math
import numbers
import warnings
from itertools import accumulate

import numpy as np

from micrograd_nb.autograd import Tensor, errors, float64, stack
from micrograd_nb.autograd import tensor as as_tensor_of
from micrograd_nb.autograd.random import Generator, default_generator, randint, randperm


def _random_int64(generator=None):
    """``torch.empty((), dtype=torch.int64).random_(generator=g).item()``."""
    return Tensor._make(np.empty((), dtype=np.int64)).random_(generator=generator).item()


# --- datasets ---------------------------------------------------------------------------

class Dataset:
    """A map-style dataset: ``dataset[i]`` and, for most, ``len(dataset)``."""

    def __getitem__(self, index):
        raise NotImplementedError(errors.DATASET_GETITEM.format(name=type(self).__name__))

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is iterated rather than indexed."""

    def __iter__(self):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Sample i is ``tuple(t[i] for t in tensors)``: inputs and targets side by side."""

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError(errors.TENSOR_DATASET_SIZES)
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class ConcatDataset(Dataset):
    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError(errors.CONCAT_DATASET_EMPTY)
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(errors.CONCAT_DATASET_INDEX)
            index = len(self) + index
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=default_generator):
    """Split ``dataset`` into non-overlapping ``Subset``s of the given lengths, or of the
    given fractions (the remainder handed out one by one from the first split)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(errors.RANDOM_SPLIT_FRACTION.format(i=i))
            subset_lengths.append(int(math.floor(len(dataset) * fraction)))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(errors.RANDOM_SPLIT_EMPTY.format(i=i), stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError(errors.RANDOM_SPLIT_SUM)
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[end - length:end])
            for end, length in zip(accumulate(lengths), lengths)]


# --- samplers ---------------------------------------------------------------------------

class Sampler:
    """Yields the indices (or lists of indices) a ``DataLoader`` fetches."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in a random order, as PyTorch draws them (or with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(errors.SAMPLER_REPLACEMENT.format(replacement=self.replacement))
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(errors.SAMPLER_NUM_SAMPLES.format(num_samples=self.num_samples))

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = Generator().manual_seed(_random_int64())
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from randint(high=n, size=(32,), generator=generator).tolist()
            yield from randint(high=n, size=(self.num_samples % 32,),
                               generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[: self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size``."""

    def __init__(self, sampler, batch_size, drop_last):
        if (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                or batch_size <= 0):
            raise ValueError(errors.SAMPLER_BATCH_SIZE.format(batch_size=batch_size))
        if not isinstance(drop_last, bool):
            raise ValueError(errors.SAMPLER_DROP_LAST.format(drop_last=drop_last))
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


# --- collation --------------------------------------------------------------------------

def default_collate(batch):
    """Stack a list of samples into a batch, keeping their structure: tensors are
    stacked, numbers become a tensor, tuples/lists/dicts are collated field by field."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "USO":
        return stack([as_tensor_of(b) for b in batch], 0)
    if isinstance(elem, np.generic) and elem.dtype.kind not in "USO":
        return as_tensor_of(np.array(batch))
    if isinstance(elem, bool) or isinstance(elem, numbers.Integral):
        return as_tensor_of(batch)
    if isinstance(elem, float):
        return as_tensor_of(batch, dtype=float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError(errors.COLLATE_UNEQUAL)
        # A list of batches, for tuples too, as PyTorch returns.
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(errors.COLLATE_TYPE.format(elem_type=type(elem)))


def default_convert(data):
    """What an unbatched loader (``batch_size=None``) does to each sample."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return as_tensor_of(data)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):  # a tuple becomes a list, as in PyTorch
        return [default_convert(d) for d in data]
    return data


# --- the loader -------------------------------------------------------------------------

class DataLoader:
    """Batches of a dataset, in order or shuffled (``torch.utils.data.DataLoader``),
    loaded in the main process: ``num_workers`` must be 0."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError(errors.LOADER_NEGATIVE_WORKERS)
        if num_workers > 0:
            raise ValueError(f"num_workers={num_workers}: micrograd_nb's DataLoader loads "
                             "batches in the main process only; use num_workers=0")
        if timeout < 0:
            raise ValueError(errors.LOADER_TIMEOUT)
        if persistent_workers:
            raise ValueError(errors.LOADER_PERSISTENT_WORKERS)
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(errors.LOADER_ITERABLE_SHUFFLE.format(shuffle=shuffle))
            if sampler is not None:
                raise ValueError(errors.LOADER_ITERABLE_SAMPLER.format(sampler=sampler))
            if batch_sampler is not None:
                raise ValueError(errors.LOADER_ITERABLE_BATCH_SAMPLER.format(
                    batch_sampler=batch_sampler))
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError(errors.LOADER_SAMPLER_SHUFFLE)
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(errors.LOADER_BATCH_SAMPLER)
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(errors.LOADER_NO_BATCH_DROP_LAST)
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __iter__(self):
        indices = iter(self.batch_sampler if self._auto_collation else self.sampler)
        # PyTorch draws a seed for its workers every pass, workers or not: the draw moves
        # the generator, so it is made here too.
        _random_int64(self.generator)
        if self._iterable:
            return self._iterate_dataset()
        return self._fetch_each(indices)

    def _fetch_each(self, indices):
        for index in indices:
            if self._auto_collation:
                yield self.collate_fn([self.dataset[i] for i in index])
            else:
                yield self.collate_fn(self.dataset[index])

    def _iterate_dataset(self):
        samples = iter(self.dataset)
        if not self._auto_collation:
            for sample in samples:
                yield self.collate_fn(sample)
            return
        while True:
            batch = [sample for _, sample in zip(range(self.batch_size), samples)]
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __len__(self):
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                rounding = math.floor if self.drop_last else math.ceil
                length = rounding(length / self.batch_size)
            return length
        return len(self.batch_sampler if self._auto_collation else self.sampler)


class _InfiniteSampler(Sampler):
    """Stands for the indices an iterable dataset does not have."""

    def __iter__(self):
        while True:
            yield None


def get_worker_info():
    """Always ``None``: batches are loaded in the main process."""
    return None


__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
    "DataLoader", "default_collate", "default_convert", "get_worker_info",
]
