"""Every scheduler against ``torch.optim.lr_scheduler``: the learning rates (and the
momentum OneCycleLR cycles) over 50 steps, get_last_lr, state_dict, warnings, errors."""

import warnings

import numpy as np
import pytest

import micrograd_nb as mg

SCHEDULES = [
    ("StepLR", dict(step_size=7)), ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)), ("CosineAnnealingLR", dict(T_max=17, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95**epoch / (1 + epoch % 4))),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=50)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=10, pct_start=0.25,
                        anneal_strategy="linear", three_phase=True)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=60, div_factor=10.0, base_momentum=0.8)),
]


def _optimizer(lib, kind="SGD"):
    a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _schedule(lib, name, kwargs, kind="SGD", steps=50):
    opt = _optimizer(lib, kind)
    scheduler = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    rows = []
    for _ in range(steps):
        for group in opt.param_groups:
            for p in group["params"]:
                p.grad = lib.zeros_like(p)
        opt.step()
        scheduler.step()
        rows.append(scheduler.get_last_lr()
                    + [g["momentum"] if kind == "SGD" else g["betas"][0]
                       for g in opt.param_groups])
    return np.array(rows), scheduler


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=str)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_fifty_steps_match_torch(torch, name, kwargs, kind):
    steps = kwargs.get("total_steps", 50)
    ours, _ = _schedule(mg, name, kwargs, kind, steps)
    theirs, _ = _schedule(torch, name, kwargs, kind, steps)
    assert len(np.unique(theirs[:, 0])) > 2  # the schedule did change the rate
    np.testing.assert_array_equal(ours, theirs)  # the same float arithmetic, bit for bit


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES[:6], ids=str)
def test_closed_form_with_epoch_warns_and_matches_torch(torch, name, kwargs):
    results = []
    for lib in (mg, torch):
        opt = _optimizer(lib)
        scheduler = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        opt.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
            scheduler.step(13)
        results.append(scheduler.get_last_lr())
    np.testing.assert_array_equal(results[0], results[1])


def test_state_dict_round_trip_resumes_the_schedule(torch):
    for lib in (mg, torch):
        _, scheduler = _schedule(lib, "CosineAnnealingLR", dict(T_max=10), steps=7)
        state = scheduler.state_dict()
        assert "optimizer" not in state and state["last_epoch"] == 7
        opt = _optimizer(lib)
        for group, lr in zip(opt.param_groups, scheduler.get_last_lr()):
            group["lr"], group["initial_lr"] = lr, group["lr"]
        resumed = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=6)
        resumed.load_state_dict(state)
        assert resumed.get_last_lr() == scheduler.get_last_lr()
    ours = mg.optim.lr_scheduler.StepLR(_optimizer(mg), 3).state_dict()
    theirs = torch.optim.lr_scheduler.StepLR(_optimizer(torch), 3).state_dict()
    assert ours == theirs


def test_lambda_state_dict_keeps_callable_objects_not_functions(torch):
    class Halving:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor**epoch

    for lib in (mg, torch):
        scheduler = lib.optim.lr_scheduler.LambdaLR(_optimizer(lib), [Halving(), lambda e: 1.0])
        state = scheduler.state_dict()
        assert state["lr_lambdas"] == [{"factor": 0.5}, None]


def test_stepping_the_scheduler_first_warns_as_torch(torch):
    texts = []
    for lib in (mg, torch):
        scheduler = lib.optim.lr_scheduler.StepLR(_optimizer(lib), 3)
        with pytest.warns(UserWarning) as record:
            scheduler.step()
        texts.append([str(w.message) for w in record])
    assert texts[0] == texts[1] and "before `optimizer.step()`" in texts[0][0]
    for lib in (mg, torch):
        opt = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, 3)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            scheduler.step()


def test_reduce_lr_on_plateau_matches_torch(torch):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6] * 4
    configs = [dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2),
               dict(threshold=0.1, threshold_mode="abs", min_lr=[0.02, 0.01], patience=0)]
    for config in configs:
        lrs = []
        for lib in (mg, torch):
            scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), **config)
            trace = []
            for metric in metrics:
                scheduler.step(metric)
                trace.append(scheduler.get_last_lr() + [scheduler.num_bad_epochs,
                                                        scheduler.cooldown_counter])
            lrs.append(trace)
        assert lrs[0] == lrs[1]


ERRORS = [
    ("ReduceLROnPlateau", dict(factor=1.0)), ("ReduceLROnPlateau", dict(mode="low")),
    ("ReduceLROnPlateau", dict(threshold_mode="rel2")),
    ("ReduceLROnPlateau", dict(min_lr=[0.1])),
    ("OneCycleLR", dict(max_lr=0.1)), ("OneCycleLR", dict(max_lr=0.1, total_steps=0)),
    ("OneCycleLR", dict(max_lr=0.1, epochs=0, steps_per_epoch=3)),
    ("OneCycleLR", dict(max_lr=0.1, epochs=2, steps_per_epoch=-1)),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=9, pct_start=1)),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=9, anneal_strategy="exp")),
    ("OneCycleLR", dict(max_lr=[0.1], total_steps=9)),
    ("LambdaLR", dict(lr_lambda=[lambda e: 1.0])),
]


@pytest.mark.parametrize(("name", "kwargs"), ERRORS, ids=str)
def test_errors_match_torch(torch, name, kwargs):
    messages = []
    for lib in (mg, torch):
        with pytest.raises(ValueError) as info:
            getattr(lib.optim.lr_scheduler, name)(_optimizer(lib), **kwargs)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_other_errors_match_torch(torch):
    for lib in (mg, torch):
        with pytest.raises(TypeError, match="^list is not an Optimizer$"):
            lib.optim.lr_scheduler.StepLR([], 3)
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
            lib.optim.lr_scheduler.StepLR(_optimizer(lib), 3, last_epoch=4)
        opt = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=2)
        opt.step()
        scheduler.step()
        scheduler.step()
        with pytest.raises(ValueError, match="Tried to step 3 times. The specified number"):
            scheduler.step()
        opt = lib.optim.Adagrad([lib.ones(1, requires_grad=True)])
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=2)


def test_get_lr_by_hand_points_to_get_last_lr(torch):
    for lib in (mg, torch):
        scheduler = lib.optim.lr_scheduler.ExponentialLR(_optimizer(lib), 0.5)
        with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
            scheduler.get_lr()
