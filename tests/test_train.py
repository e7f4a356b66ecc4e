"""Tests for alexnet_core.train: the §5 update rule, the loop, the lr schedule, resuming and throughput."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close
from torch.utils.data import DataLoader, TensorDataset

from alexnet_core import (
    Checkpointer,
    History,
    PaperSGD,
    TrainConfig,
    epochs_to_reach,
    evaluate,
    load_checkpoint,
    throughput,
    train,
)

CLASSES, PIXELS = 4, 3 * 8 * 8
QUIET = dict(progress=False)


pytestmark = pytest.mark.usefixtures("one_thread_module")  # tests/conftest.py


def _tiny_model(seed: int = 0, dropout: bool = False, conv: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    if conv:  # 4-D weights: trained in NHWC order by default (TrainConfig.channels_last)
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             *([nn.Dropout(0.5)] if dropout else []), nn.Linear(4 * 4 * 4, CLASSES))
    if dropout:
        return nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, CLASSES))
    return nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, CLASSES))


def _toy_data(n: int = 96, seed: int = 1) -> TensorDataset:
    """Labels given by a random linear teacher, so a linear model can learn them."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randn(n, 3, 8, 8, generator=g)
    teacher = torch.randn(CLASSES, PIXELS, generator=g)
    return TensorDataset(images, (images.flatten(1) @ teacher.T).argmax(1))


def _noise(images: torch.Tensor) -> torch.Tensor:
    return images + 0.1 * torch.randn_like(images)  # global RNG: checkpointed by train()


def _deterministic(history: History) -> dict:
    record = history.as_dict()
    del record["seconds"], record["images_per_second"]  # wall-clock, never reproducible
    return record


# ---------------------------------------------------------------- PaperSGD

def _twin_steps(lrs: list[float]) -> tuple[nn.Linear, nn.Linear, PaperSGD, torch.optim.SGD, list]:
    """Run the paper's and torch's optimizers on identical gradients, one step per lr in ``lrs``."""
    torch.manual_seed(0)
    paper_net, torch_net = nn.Linear(5, 3), nn.Linear(5, 3)
    torch_net.load_state_dict(paper_net.state_dict())
    paper = PaperSGD(paper_net.parameters(), lr=lrs[0], momentum=0.9, weight_decay=5e-4)
    ref = torch.optim.SGD(torch_net.parameters(), lr=lrs[0], momentum=0.9, weight_decay=5e-4, dampening=0)
    g = torch.Generator().manual_seed(1)
    grads = []
    for lr in lrs:
        step_grads = [torch.randn(p.shape, generator=g) for p in paper_net.parameters()]
        grads.append(step_grads)
        for optimizer, net in ((paper, paper_net), (ref, torch_net)):
            optimizer.param_groups[0]["lr"] = lr
            for p, grad in zip(net.parameters(), step_grads):
                p.grad = grad.clone()
            optimizer.step()
    return paper_net, torch_net, paper, ref, grads


def test_paper_sgd_equals_torch_sgd_while_lr_is_constant():
    paper_net, torch_net, *_ = _twin_steps([0.05] * 8)
    for p, q in zip(paper_net.parameters(), torch_net.parameters()):
        assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_paper_sgd_after_lr_drop_follows_the_formula_and_differs_from_torch():
    lr1, lr2, mu, wd = 0.05, 0.005, 0.9, 5e-4
    paper_net, torch_net, paper, ref, _ = _twin_steps([lr1] * 6)
    before_paper = [p.detach().clone() for p in paper_net.parameters()]
    before_torch = [p.detach().clone() for p in torch_net.parameters()]
    velocity = [paper.state[p]["velocity"].clone() for p in paper_net.parameters()]
    buffers = [ref.state[p]["momentum_buffer"].clone() for p in torch_net.parameters()]
    g = torch.Generator().manual_seed(99)
    grads = [torch.randn(p.shape, generator=g) for p in paper_net.parameters()]
    for optimizer, net in ((paper, paper_net), (ref, torch_net)):
        optimizer.param_groups[0]["lr"] = lr2
        for p, grad in zip(net.parameters(), grads):
            p.grad = grad.clone()
        optimizer.step()
    for i, (p, q) in enumerate(zip(paper_net.parameters(), torch_net.parameters())):
        w, v, grad = before_paper[i], velocity[i], grads[i]
        # §5 by hand: v ← μv − wd·ε·w − ε·g, w ← w + v (v still carries the old ε)
        assert_close(p.detach(), w + (mu * v - wd * lr2 * w - lr2 * grad), rtol=1e-6, atol=1e-7)
        # torch: b ← μb + g + wd·w, w ← w − ε·b (the whole buffer rescaled to the new ε)
        w_t = before_torch[i]
        assert_close(q.detach(), w_t - lr2 * (mu * buffers[i] + grad + wd * w_t), rtol=1e-6, atol=1e-7)
        # the paper's step is larger by μ·v·(1 − ε₂/ε₁), and that is not negligible here
        assert_close(p.detach() - q.detach(), mu * v * (1 - lr2 / lr1), rtol=1e-3, atol=1e-6)
        assert (mu * v * (1 - lr2 / lr1)).abs().max() > 1e-3


@pytest.mark.parametrize("kwargs, match", [
    (dict(lr=0.0), "lr must be a finite number > 0"),
    (dict(momentum=1.0), r"momentum must be in \[0, 1\)"),
    (dict(weight_decay=-1.0), "weight_decay must be a finite number >= 0"),
])
def test_paper_sgd_rejects_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PaperSGD(nn.Linear(2, 2).parameters(), **kwargs)


# ---------------------------------------------------------------- config, device, seeds

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(epochs=0), ValueError, "TrainConfig.epochs must be a positive int, got 0"),
    (dict(batch_size=2.5), TypeError, "TrainConfig.batch_size must be an int"),
    (dict(lr=-0.1), ValueError, "TrainConfig.lr must be a finite number > 0"),
    (dict(momentum=1.5), ValueError, "TrainConfig.momentum must be in"),
    (dict(optimizer="adam"), ValueError, "TrainConfig.optimizer must be one of 'paper', 'sgd', got 'adam'"),
    (dict(schedule="cosine"), ValueError, "TrainConfig.schedule must be one of"),
    (dict(lr_drop_factor=1.0), ValueError, "TrainConfig.lr_drop_factor must be > 1"),
    (dict(schedule="step"), ValueError, "TrainConfig.step_epochs must list at least one epoch"),
    (dict(schedule="step", step_epochs=(5, 3)), ValueError, "TrainConfig.step_epochs must be strictly increasing"),
    (dict(step_epochs=(3,)), ValueError, "TrainConfig.step_epochs is only used with schedule='step'"),
    (dict(max_lr_drops=-1), ValueError, "TrainConfig.max_lr_drops must be >= 0"),
    (dict(amp="fp8"), ValueError, "TrainConfig.amp must be False, True, 'bf16' or 'fp16'"),
    (dict(progress="no"), TypeError, "TrainConfig.progress must be a bool"),
    (dict(channels_last=1), TypeError, "TrainConfig.channels_last must be a bool"),
])
def test_train_config_validation_names_the_field(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(**kwargs)


def test_train_config_defaults_are_the_papers():
    config = TrainConfig(schedule="step", step_epochs=[30, 60])
    assert (config.batch_size, config.lr, config.momentum, config.weight_decay) == (128, 0.01, 0.9, 5e-4)
    assert (config.lr_drop_factor, config.max_lr_drops, config.step_epochs) == (10.0, 3, (30, 60))


# ---------------------------------------------------------------- evaluate

def test_evaluate_matches_a_direct_computation_and_restores_modes():
    model, data = _tiny_model(dropout=True), _toy_data(40)
    model.train()
    model[2].eval()  # a submodule with its own flag must get it back too
    loss, error = evaluate(model, data, batch_size=16)  # dropout (model[3]) must be off inside
    assert model.training and not model[2].training and model[3].training
    model.eval()
    with torch.no_grad():
        logits = model(data.tensors[0])
    assert_close(loss, F.cross_entropy(logits, data.tensors[1]).item(), rtol=1e-5, atol=1e-6)
    assert error == pytest.approx((logits.argmax(1) != data.tensors[1]).float().mean().item())
    assert evaluate(model, DataLoader(data, batch_size=7)) == pytest.approx((loss, error))
    assert not model.training


def test_evaluate_applies_augment_and_rejects_bad_data():
    model, data = _tiny_model(), _toy_data(16)
    zero_loss, _ = evaluate(model, data, augment=torch.zeros_like)  # logits = bias only
    bias = model[1].bias.detach().expand(16, CLASSES)
    assert_close(zero_loss, F.cross_entropy(bias, data.tensors[1]).item(), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="data must be a torch Dataset or DataLoader"):
        evaluate(model, (data.tensors[0], data.tensors[1]))
    with pytest.raises(ValueError, match="data must not be empty"):
        evaluate(model, TensorDataset(torch.zeros(0, 3, 8, 8), torch.zeros(0, dtype=torch.long)))


# ---------------------------------------------------------------- train

def test_loss_decreases_on_a_learnable_problem():
    history = train(_tiny_model(), _toy_data(), _toy_data(64, seed=1),
                    TrainConfig(epochs=6, batch_size=16, lr=0.01, schedule="constant", **QUIET))
    assert history.epoch == [1, 2, 3, 4, 5, 6]
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.train_error[-1] < history.train_error[0]
    assert history.lr == [0.01] * 6
    # images per second counts the 64 training images over the training part of the epoch
    assert all(rate * seconds >= 64 for rate, seconds in zip(history.images_per_second, history.seconds))
    assert all(rate * seconds < 64 * 100 for rate, seconds in zip(history.images_per_second, history.seconds))


def test_channels_last_trains_in_nhwc_and_hands_the_model_back_in_nchw():
    def run(channels_last):
        model, seen = _tiny_model(conv=True), []
        config = TrainConfig(epochs=2, batch_size=16, lr=0.05, channels_last=channels_last, **QUIET)
        nhwc = lambda: model[0].weight.is_contiguous(memory_format=torch.channels_last)  # noqa: E731
        history = train(model, _toy_data(), _toy_data(32, seed=2), config,
                        callback=lambda h: seen.append(nhwc() and not model[0].weight.is_contiguous()))
        assert model[0].weight.is_contiguous()  # back in the order it came
        return history, model, seen

    (fast, fast_model, seen_fast), (plain, plain_model, seen_plain) = run(True), run(False)
    assert seen_fast == [True, True] and seen_plain == [False, False]
    # the same arithmetic in another summation order: equal to rounding, not bit for bit
    for key in ("train_loss", "test_loss"):
        assert_close(getattr(fast, key), getattr(plain, key), rtol=1e-4, atol=1e-5)
    for a, b in zip(fast_model.parameters(), plain_model.parameters()):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_same_seed_gives_identical_runs_and_another_seed_does_not():
    def run(seed):
        model = _tiny_model(dropout=True)
        config = TrainConfig(epochs=3, batch_size=16, lr=0.05, seed=seed, **QUIET)
        return train(model, _toy_data(), _toy_data(32, seed=2), config, augment=_noise), model

    (h1, m1), (h2, m2), (h3, m3) = run(0), run(0), run(1)
    assert _deterministic(h1) == _deterministic(h2)
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)
    assert _deterministic(h1) != _deterministic(h3)


@pytest.mark.parametrize("as_loader, conv", [(False, False), (True, False), (False, True)])
def test_resume_after_keyboard_interrupt_equals_an_uninterrupted_run(tmp_path, as_loader, conv):
    config = TrainConfig(epochs=4, batch_size=16, lr=0.05, **QUIET)  # 96 images: 6 batches an epoch

    def data():
        dataset = _toy_data()
        return DataLoader(dataset, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(5)) \
            if as_loader else dataset

    straight_model = _tiny_model(dropout=True, conv=conv)
    straight = train(straight_model, data(), _toy_data(32, seed=2), config, augment=_noise)

    calls = []

    def interrupting(images):
        calls.append(1)
        if len(calls) == 2 * 6 + 3:  # in the middle of epoch 3
            raise KeyboardInterrupt
        return _noise(images)

    path = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        train(_tiny_model(dropout=True, conv=conv), data(), _toy_data(32, seed=2), config,
              augment=interrupting, callback=Checkpointer(path))
    saved = load_checkpoint(path)
    assert saved["epoch"] == 2 and saved["history"]["epoch"] == [1, 2]
    assert not list(tmp_path.glob("*.tmp"))

    resumed_model = _tiny_model(seed=123, dropout=True, conv=conv)  # the checkpoint must overwrite it
    resumed = train(resumed_model, data(), _toy_data(32, seed=2), config, augment=_noise,
                    callback=Checkpointer(path, resume=True))
    assert _deterministic(resumed) == _deterministic(straight)
    for a, b in zip(resumed_model.state_dict().values(), straight_model.state_dict().values()):
        assert torch.equal(a, b)


def test_resume_with_more_epochs_equals_a_longer_run_and_checks_the_config(tmp_path):
    def config(epochs, lr=0.05):
        return TrainConfig(epochs=epochs, batch_size=16, lr=lr, plateau_patience=1, **QUIET)

    straight_model = _tiny_model(dropout=True)
    straight = train(straight_model, _toy_data(), None, config(4), augment=_noise)
    path = tmp_path / "run.pt"
    train(_tiny_model(dropout=True), _toy_data(), None, config(2), augment=_noise, callback=Checkpointer(path))
    model = _tiny_model(seed=9, dropout=True)
    resumed = train(model, _toy_data(), None, config(4), augment=_noise, callback=Checkpointer(path, resume=True))
    assert _deterministic(resumed) == _deterministic(straight)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), straight_model.state_dict().values()))
    with pytest.raises(ValueError, match="another TrainConfig .*lr=0.05 there, 0.1 here"):
        train(_tiny_model(dropout=True), _toy_data(), None, config(6, lr=0.1), callback=Checkpointer(path, resume=True))
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got None"):
        Checkpointer(None, resume=True)


class _ConstantLogits(nn.Module):
    """Predicts class 0 whatever it sees, so the error never improves: a plateau from epoch 1."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(CLASSES))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.tensor([5.0, 0.0, 0.0, 0.0]).expand(images.shape[0], CLASSES) + 0 * self.unused


@pytest.mark.parametrize("with_test_data", [False, True])
def test_plateau_schedule_drops_after_patience_at_most_max_times(with_test_data):
    config = TrainConfig(epochs=10, batch_size=32, lr=1.0, plateau_patience=2, max_lr_drops=3, **QUIET)
    history = train(_ConstantLogits(), _toy_data(), _toy_data(32) if with_test_data else None, config)
    # epoch 1 sets the best; epochs 2-3 do not improve -> drop; 4-5 -> drop; 6-7 -> drop; 8-9 would, but capped
    assert_close(history.lr, [1.0, 1.0, 1.0, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.001], rtol=1e-12, atol=0)


class _Scripted(nn.Module):
    """Right on the images whose rank (pixel 1) is below ``fraction``, wrong on the rest: a scripted error."""

    def __init__(self, fraction: float) -> None:
        super().__init__()
        self.fraction = fraction
        self.unused = nn.Parameter(torch.zeros(CLASSES))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        labels, rank = images[:, 0, 0, 0].long(), images[:, 1, 0, 0]
        right, wrong = F.one_hot(labels, CLASSES) * 10.0, F.one_hot((labels + 1) % CLASSES, CLASSES) * 10.0
        return torch.where((rank < self.fraction)[:, None], right, wrong) + 0 * self.unused


def test_plateau_schedule_uses_test_error_and_an_improvement_resets_patience():
    images = torch.zeros(10, 3, 8, 8)
    labels = torch.arange(10) % CLASSES
    images[:, 0, 0, 0], images[:, 1, 0, 0] = labels.float(), torch.arange(10) / 10
    test_data = TensorDataset(images, labels)
    train_images = images.clone()
    train_images[:, 1] = 0.0  # rank 0: always right, so the train error is flat at 0 and would drop lr at once
    train_data = TensorDataset(train_images, labels)
    fractions = iter([0.45, 0.45, 0.55, 0.55, 0.55, 0.55])  # test errors 0.9, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4
    model = _Scripted(0.05)

    def next_fraction(history):  # runs after epoch k, so it sets what epoch k + 1 measures
        model.fraction = next(fractions, 0.55)

    config = TrainConfig(epochs=7, batch_size=4, lr=1.0, plateau_patience=2, **QUIET)
    history = train(model, train_data, test_data, config, callback=next_fraction)
    assert history.train_error == [0.0] * 7
    assert history.test_error == pytest.approx([0.9, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4])
    # no drop at epoch 5 (epoch 4 improved and reset the count); the drop after epoch 6 shows in epoch 7
    assert_close(history.lr, [1.0] * 6 + [0.1], rtol=1e-12, atol=0)


def test_step_schedule_and_early_stop_by_callback():
    config = TrainConfig(epochs=5, batch_size=32, lr=1.0, schedule="step", step_epochs=(1, 3), **QUIET)
    history = train(_ConstantLogits(), _toy_data(), None, config, callback=lambda h: len(h) == 4)
    assert history.epoch == [1, 2, 3, 4]
    assert_close(history.lr, [1.0, 0.1, 0.1, 0.01], rtol=1e-12, atol=0)


def test_progress_bars_appear_only_when_asked(capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    config = TrainConfig(epochs=1, batch_size=32, progress=False)
    train(_tiny_model(), _toy_data(), None, config)
    assert capsys.readouterr().err == ""
    train(_tiny_model(), _toy_data(), None, TrainConfig(epochs=1, batch_size=32, progress=True))
    assert "epochs" in capsys.readouterr().err
    monkeypatch.setenv("TQDM_DISABLE", "1")
    train(_tiny_model(), _toy_data(), None, TrainConfig(epochs=1, batch_size=32, progress=True))
    assert capsys.readouterr().err == ""


def test_train_rejects_bad_arguments():
    with pytest.raises(TypeError, match="config must be a TrainConfig or None"):
        train(_tiny_model(), _toy_data(), None, {"epochs": 1})
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train(lambda x: x, _toy_data(), None, TrainConfig(epochs=1, **QUIET))
    with pytest.raises(TypeError, match="augment must be callable or None"):
        train(_tiny_model(), _toy_data(), None, TrainConfig(epochs=1, **QUIET), augment=3)
    with pytest.raises(ValueError, match="model has no trainable parameters"):
        train(nn.Flatten(), _toy_data(), None, TrainConfig(epochs=1, **QUIET))


# ---------------------------------------------------------------- history and epochs_to_reach

def _scripted_history() -> History:
    h = History()
    for epoch, (train_error, test_error) in enumerate([(0.6, 0.7), (0.3, 0.4), (0.25, 0.3), (0.1, 0.2)], 1):
        h._append(epoch=epoch, train_loss=1.0 / epoch, train_error=train_error, test_loss=None,
                  test_error=test_error, lr=0.01, seconds=1.0, images_per_second=100.0)
    return h


def test_epochs_to_reach_is_the_first_epoch_at_or_below_the_target():
    h = _scripted_history()
    assert epochs_to_reach(h) == 3  # 0.25 <= 0.25
    assert epochs_to_reach(h, 0.5) == 2
    assert epochs_to_reach(h, 0.3, split="test") == 3
    assert epochs_to_reach(h, 0.05) is None
    assert epochs_to_reach(History()) is None
    with pytest.raises(ValueError, match="split must be one of 'train', 'test', got 'val'"):
        epochs_to_reach(h, split="val")
    with pytest.raises(ValueError, match=r"error must be in \[0, 1\], got 1.5"):
        epochs_to_reach(h, 1.5)
    with pytest.raises(TypeError, match="history must be a History"):
        epochs_to_reach({"train_error": [0.1]})


def test_history_round_trips_through_json_and_reports_its_last_row(tmp_path):
    h = _scripted_history()
    assert History.from_json(h.to_json(tmp_path / "h.json")) == h
    assert h.last() == {"epoch": 4, "train_loss": 0.25, "train_error": 0.1, "test_loss": None, "test_error": 0.2,
                        "lr": 0.01, "seconds": 1.0, "images_per_second": 100.0}
    with pytest.raises(ValueError, match="history is empty"):
        History().last()
    with pytest.raises(ValueError, match="history lists must have equal lengths"):
        History.from_dict({**h.as_dict(), "lr": [0.01]})


# ---------------------------------------------------------------- checkpoints


def test_train_checkpoint_holds_plain_history_config_and_rng(tmp_path):
    path = tmp_path / "run.pt"
    history = train(_tiny_model(), _toy_data(), None, TrainConfig(epochs=2, batch_size=32, **QUIET),
                    callback=Checkpointer(path))
    state = load_checkpoint(path)
    assert state["history"] == history.as_dict()
    assert state["config"]["epochs"] == 2 and state["epoch"] == 2
    assert isinstance(state["rng"]["torch"], torch.Tensor) and isinstance(state["rng"]["loader"], torch.Tensor)


# ---------------------------------------------------------------- throughput

@pytest.mark.parametrize("training", [True, False])
def test_throughput_is_positive_and_leaves_the_model_untouched(training):
    model = _tiny_model()
    before = [p.detach().clone() for p in model.parameters()]
    rate = throughput(model, batch_size=8, input_size=8, steps=2, warmup=1, train=training, device="cpu")
    assert rate > 0 and math.isfinite(rate)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    with pytest.raises(ValueError, match="steps must be a positive int, got 0"):
        throughput(model, input_size=8, steps=0)


def test_throughput_without_a_copy_trains_the_model_itself():
    model = _tiny_model()
    before = [p.detach().clone() for p in model.parameters()]
    assert throughput(model, batch_size=8, input_size=8, steps=1, warmup=0, device="cpu", copy_model=False) > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    with pytest.raises(TypeError, match="copy_model must be a bool, got 'no'"):
        throughput(model, input_size=8, copy_model="no")


def test_torch_sgd_trains_like_the_papers_rule_while_lr_is_constant():
    """TrainConfig(optimizer="sgd") runs torch.optim.SGD; with a constant lr it is §5's rule."""
    def run(optimizer):
        model = _tiny_model()
        config = TrainConfig(epochs=3, batch_size=16, lr=0.05, schedule="constant", optimizer=optimizer, **QUIET)
        return model, train(model, _toy_data(), None, config)

    (paper_model, paper), (sgd_model, sgd) = run("paper"), run("sgd")
    assert_close(sgd.train_loss, paper.train_loss, rtol=1e-4, atol=1e-6)
    for a, b in zip(sgd_model.parameters(), paper_model.parameters()):
        assert_close(a, b, rtol=1e-4, atol=1e-6)
    from alexnet_core.recipe import make_optimizer

    kinds = {name: type(make_optimizer(_tiny_model(), TrainConfig(optimizer=name))) for name in ("sgd", "paper")}
    assert kinds == {"sgd": torch.optim.SGD, "paper": PaperSGD}


def test_bf16_on_cpu_warns_and_trains_in_full_precision():
    config = TrainConfig(epochs=2, batch_size=16, **QUIET)
    plain = train(_tiny_model(), _toy_data(), _toy_data(32, seed=2), config)
    with pytest.warns(UserWarning, match=r"TrainConfig\.amp='bf16' is ignored on cpu"):
        mixed = train(_tiny_model(), _toy_data(), _toy_data(32, seed=2), TrainConfig(epochs=2, batch_size=16, amp="bf16", **QUIET))
    assert mixed.train_loss == plain.train_loss and mixed.test_loss == plain.test_loss
