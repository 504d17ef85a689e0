"""micrograd_nb.data (micrograd_nb.utils.data) against torch.utils.data: the same batches,
in the same order from the same seed, epoch after epoch, and the same errors."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import micrograd_nb as mg
from micrograd_nb.utils import data

X = np.arange(50 * 3, dtype=np.float32).reshape(50, 3)
Y = np.arange(50)


def _plain(value):
    """A batch as nested Python lists/dicts, whichever library made it."""
    if isinstance(value, (mg.Tensor, torch.Tensor)):
        array = value._data if isinstance(value, mg.Tensor) else value.numpy()
        return ("tensor", str(array.dtype), array.tolist())
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_plain(v) for v in value])
    return value


def _epochs(loader, epochs=3):
    return [[_plain(batch) for batch in loader] for _ in range(epochs)]


@pytest.mark.parametrize("options", [
    {"batch_size": 8, "shuffle": True},
    {"batch_size": 8, "shuffle": True, "drop_last": True},
    {"batch_size": 7},
    {"batch_size": 50, "shuffle": True},
    {"batch_size": 1, "shuffle": True},
    {"batch_size": None},
], ids=str)
@pytest.mark.parametrize("seed", [0, 3, 2024])
def test_loader_batches_equal_torchs(options, seed):
    mg.manual_seed(seed)
    torch.manual_seed(seed)
    ours = data.DataLoader(data.TensorDataset(mg.tensor(X), mg.tensor(Y)), **options)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(Y)), **options)
    assert len(ours) == len(theirs)
    assert _epochs(ours) == _epochs(theirs)
    # the default generators moved alike
    np.testing.assert_array_equal(mg.get_rng_state()._data, torch.get_rng_state().numpy())


def test_a_loaders_own_generator():
    ours = data.DataLoader(data.TensorDataset(mg.tensor(Y)), batch_size=6, shuffle=True,
                           generator=mg.Generator().manual_seed(9))
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(Y)), batch_size=6, shuffle=True,
                            generator=torch.Generator().manual_seed(9))
    mg.manual_seed(1)
    torch.manual_seed(1)
    assert _epochs(ours) == _epochs(theirs)
    np.testing.assert_array_equal(mg.get_rng_state()._data, torch.get_rng_state().numpy())


@pytest.mark.parametrize("replacement, num_samples", [(True, 70), (True, 5), (False, 120)])
def test_random_sampler_with_replacement_or_more_samples(replacement, num_samples):
    mg.manual_seed(4)
    torch.manual_seed(4)
    ours = list(data.RandomSampler(range(20), replacement, num_samples))
    assert ours == list(tud.RandomSampler(range(20), replacement, num_samples))


def test_subset_random_sampler():
    ours = data.SubsetRandomSampler([5, 9, 2, 7], generator=mg.Generator().manual_seed(2))
    theirs = tud.SubsetRandomSampler([5, 9, 2, 7], generator=torch.Generator().manual_seed(2))
    assert list(ours) == list(theirs)


class Pairs:
    """A dataset of dicts, tuples, floats, ints and strings: every collate case."""

    Point = collections.namedtuple("Point", "x y")

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"index": i, "scale": i / 4, "name": f"n{i}",
                "pair": (self.lib.ones(2) * i, [i, i + 1]),
                "point": self.Point(float(i), np.float32(i) * 2),
                "array": np.full(3, i, dtype=np.int32)}


def test_default_collate_of_nested_samples():
    mg.manual_seed(0)
    torch.manual_seed(0)
    ours = data.DataLoader(Pairs(mg), batch_size=4, shuffle=True)
    theirs = tud.DataLoader(Pairs(torch), batch_size=4, shuffle=True)
    assert _epochs(ours, 2) == _epochs(theirs, 2)


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34],
                                     [1, 0, 9]])
def test_random_split_equals_torchs(lengths):
    mg.manual_seed(1)
    torch.manual_seed(1)
    ours, theirs = data.random_split(range(10), lengths), tud.random_split(range(10), lengths)
    assert [s.indices for s in ours] == [s.indices for s in theirs]
    ours = data.random_split(range(10), lengths, generator=mg.Generator().manual_seed(5))
    theirs = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(5))
    assert [list(s) for s in ours] == [list(s) for s in theirs]


def test_subset_and_concat():
    dataset = data.TensorDataset(mg.tensor(Y))
    subset = data.Subset(dataset, [4, 1, 7])
    assert len(subset) == 3 and subset[1][0].item() == 1
    both = data.ConcatDataset([subset, range(100, 105)])
    assert len(both) == 8 and both[3] == 100 and both[-1] == 104 and both[2][0].item() == 7


class Stream(data.IterableDataset):
    def __iter__(self):
        return iter(range(11))


class TorchStream(tud.IterableDataset):
    def __iter__(self):
        return iter(range(11))


@pytest.mark.parametrize("options", [{"batch_size": 4}, {"batch_size": 4, "drop_last": True},
                                     {"batch_size": None}], ids=str)
def test_iterable_datasets(options):
    assert _epochs(data.DataLoader(Stream(), **options), 1) == _epochs(
        tud.DataLoader(TorchStream(), **options), 1)


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value)


@pytest.mark.parametrize("call", [
    lambda d, lib: d.TensorDataset(lib.zeros(3), lib.zeros(4)),
    lambda d, lib: d.DataLoader(range(4), num_workers=-1),
    lambda d, lib: d.DataLoader(range(4), sampler=d.SequentialSampler(range(4)), shuffle=True),
    lambda d, lib: d.DataLoader(range(4), batch_sampler=[[0]], batch_size=2),
    lambda d, lib: d.DataLoader(range(4), batch_size=None, drop_last=True),
    lambda d, lib: d.BatchSampler(range(4), 0, False),
    lambda d, lib: d.RandomSampler(range(4), replacement=1),
    lambda d, lib: d.random_split(range(4), [1, 2]),
    lambda d, lib: d.random_split(range(4), [1.5, -0.5]),
    lambda d, lib: d.default_collate([[1, 2], [3]]),
    lambda d, lib: d.default_collate([object()]),
    lambda d, lib: d.Dataset()[0],
], ids=["tensor sizes", "negative workers", "sampler and shuffle", "batch_sampler and size",
        "no batch and drop_last", "batch size 0", "replacement not bool", "split sum",
        "split fraction", "unequal lists", "unknown element", "no __getitem__"])
def test_errors_are_torchs(call):
    ours, theirs = _error(lambda: call(data, mg)), _error(lambda: call(tud, torch))
    assert ours[0] is theirs[0]
    assert ours[1] == theirs[1].replace("torch.", "micrograd_nb.")


def test_workers_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="num_workers=2: .* main process only; use num_workers=0"):
        data.DataLoader(range(4), num_workers=2)


def test_both_paths_are_the_same_module_names():
    import micrograd_nb.utils.data as utils_data

    assert utils_data.DataLoader is mg.data.DataLoader is data.DataLoader
