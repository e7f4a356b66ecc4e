"""Tests for the paper's-effects experiments: relu_speed (Fig. 1), regularisation (§4), kernels (Fig. 3).

The experiments' claims (ReLU faster, dropout and augmentation lower the test error, edge-like
kernels) are checked by the chapters and by tests/test_effects_claims.py on other seeds; here the
functions are checked on tiny budgets against independent references.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from alexnet_core import viz
from alexnet_core.lab import kernels, regularisation, relu_speed, relu_tail
from alexnet_core.natural import PhotoPatches

GRID = Path(__file__).resolve().parents[1] / "book" / "data" / "fig1_grid.json"


def _naive_autocorrelation(weight: torch.Tensor) -> float:
    values = []
    for kernel in weight.double():
        for channel in kernel:
            a = channel - channel.mean()
            energy = float((a * a).sum())
            h, w = a.shape
            across = sum(float(a[y, x] * a[y, x + 1]) for y in range(h) for x in range(w - 1))
            down = sum(float(a[y, x] * a[y + 1, x]) for y in range(h - 1) for x in range(w))
            values.append((across / energy + down / energy) / 2)
    return sum(values) / len(values)


def test_autocorrelation_matches_a_naive_loop():
    weight = torch.randn(4, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    assert math.isclose(
        kernels.spatial_autocorrelation(weight), _naive_autocorrelation(weight), rel_tol=1e-9
    )


def test_autocorrelation_separates_noise_edges_and_checkerboards():
    noise = torch.randn(96, 3, 5, 5, generator=torch.Generator().manual_seed(1))
    ramp = torch.linspace(-1, 1, 5)
    edge = (ramp[None, :] + 0 * ramp[:, None]).expand(2, 3, 5, 5)  # a horizontal ramp
    checker = ((torch.arange(5)[:, None] + torch.arange(5)) % 2 * 2 - 1).float()
    assert abs(kernels.spatial_autocorrelation(noise)) < 0.05
    # a ramp: 0.4 across (5 steps of a line), 0.8 down (identical rows); mean 0.6
    assert kernels.spatial_autocorrelation(edge + 0.01 * noise[:2]) > 0.4
    assert kernels.spatial_autocorrelation(checker.expand(1, 3, 5, 5)) < -0.7


@pytest.mark.parametrize(
    ("weight", "error"),
    [(torch.zeros(2, 3, 5), ValueError), (torch.ones(1, 1, 3, 3), ValueError),
     ([[1.0]], TypeError), (torch.ones(1, 1, 1, 5), ValueError)],
)  # fmt: skip
def test_autocorrelation_bad_input(weight, error):
    with pytest.raises(error, match="weight"):
        kernels.spatial_autocorrelation(weight)


def test_fig1_grid_file_agrees_with_best_lr_and_every_best_is_interior():
    record = json.loads(GRID.read_text())
    assert record["command"].startswith("python -m alexnet_core.lab.relu_speed")
    rates = sorted(relu_speed.LEARNING_RATES)
    for (regime, activation), lr in relu_speed.BEST_LR.items():
        entry = record["grid"][f"{regime}/{activation}"]
        assert math.isclose(entry["best"], lr), (regime, activation)
        reached = entry["runs"][f"{lr:g}"]["epochs"] is not None
        if regime in ("paper", "modern") or reached:
            assert rates[0] < lr < rates[-1], f"{regime}/{activation}: best {lr} on the edge"


def test_best_rate_prefers_fewer_epochs_then_lower_error():
    grid = {
        0.01: {"epochs": 4, "error": 0.2},
        0.03: {"epochs": 3, "error": 0.24},
        0.1: {"epochs": 3, "error": 0.1},
        0.3: {"epochs": None, "error": 0.9},
    }
    assert relu_speed.best_rate(grid) == 0.1


def test_regime_data_scales_and_centres():
    paper = relu_speed.regime_data("paper", num_train=100).tensors[0]
    unit = relu_speed.regime_data("unit_pixels_paper_init", num_train=100).tensors[0]
    torch.testing.assert_close(paper / 255, unit)
    torch.testing.assert_close(paper.mean(0), torch.zeros(3, 32, 32), atol=1e-3, rtol=0)
    assert paper.abs().max() > 50  # raw 0–255 values, not 0–1


def test_fig1_reports_a_lower_bound_when_tanh_never_reaches(monkeypatch):
    calls = []

    def fake(regime, activation, lr, data, **kw):
        from alexnet_core.history import History

        history = History()
        errors = [0.5, 0.2] if activation == "relu" else [0.8] * 6
        for epoch, error in enumerate(errors, 1):
            history._append(epoch=epoch, train_loss=1.0, train_error=error, test_loss=None,
                            test_error=None, lr=lr, seconds=0.1, images_per_second=1.0)  # fmt: skip
        calls.append((activation, lr))
        return history

    monkeypatch.setattr(relu_speed, "train_one", fake)
    result = relu_speed.fig1("paper", 0, max_epochs=6, num_train=100)
    assert result.epochs == {"relu": 2, "tanh": None}
    assert result.lower_bound and result.speedup == 3.0
    assert calls == [("relu", relu_speed.BEST_LR[("paper", "relu")]),
                     ("tanh", relu_speed.BEST_LR[("paper", "tanh")])]  # fmt: skip


def test_fig1_grey_trains_on_the_luminance(monkeypatch):
    seen = []

    def fake(regime, activation, lr, data, **kw):
        from alexnet_core.history import History

        images = data.tensors[0]
        seen.append(bool(torch.equal(images[:, 0], images[:, 2])))
        history = History()
        history._append(epoch=1, train_loss=1.0, train_error=0.2, test_loss=None,
                        test_error=None, lr=lr, seconds=0.1, images_per_second=1.0)  # fmt: skip
        return history

    monkeypatch.setattr(relu_speed, "train_one", fake)
    relu_speed.fig1("paper", 0, num_train=20, grey=True)
    relu_speed.fig1("paper", 0, num_train=20)
    assert seen == [True, True, False, False]


def test_size_report_marks_bounds_and_names_the_data():
    row = {"relu": {"lr": 1e-3, "epochs": 2, "error": 0.2},
           "tanh": {"lr": 3e-2, "epochs": None, "error": 0.4}, "speedup": 3.0}  # fmt: skip
    record = {"command": "python -m x", "hardware": "cpu", "seconds": 5, "num_train": 2000,
              "max_epochs": 6, "grey": True, "results": {"0": row}}  # fmt: skip
    text = relu_speed.size_report(record)
    assert "luminance only" in text and "at most 6 epochs" in text
    assert text.splitlines()[-1].endswith("≥3.00×") and "—" in text.splitlines()[-1]
    # a merged record prints the run behind its seeds, one line per part, not the merge command
    parts = [{"command": f"python -m x --seeds {s}", "seeds": [s], "hardware": "cpu", "seconds": 5}
             for s in (0, 1)]  # fmt: skip
    merged = dict(record, command="python -m alexnet_core.lab.records merge", parts=parts)
    lines = relu_speed.size_report(merged).splitlines()
    assert lines[:2] == ["python -m x --seeds 0 | cpu | 5 s", "python -m x --seeds 1 | cpu | 5 s"]


def test_regime_data_grey_is_the_luminance_in_every_channel():
    colour = relu_speed.regime_data("paper", num_train=20).tensors[0]
    grey = relu_speed.regime_data("paper", num_train=20, grey=True).tensors[0]
    luminance = 0.299 * colour[:, 0] + 0.587 * colour[:, 1] + 0.114 * colour[:, 2]
    for channel in range(3):
        torch.testing.assert_close(grey[:, channel], luminance)


def test_size_table_takes_each_nets_best_rate_per_seed(monkeypatch):
    # fake grids: ReLU fastest at 1e-3 (2 epochs), tanh at 3e-2 (4 epochs) on seed 0 and never
    # on seed 1, so seed 1's speed-up is the lower bound max_epochs / 2
    def fake(regime, activation, *, seed, num_train, **kw):
        assert regime == "paper" and num_train == 500
        if activation == "relu":
            return {1e-3: {"epochs": 2, "epochs_run": 2, "error": 0.2},
                    1e-2: {"epochs": None, "epochs_run": 2, "error": 0.9}}  # fmt: skip
        reached = 4 if seed == 0 else None
        return {3e-2: {"epochs": reached, "epochs_run": 4, "error": 0.24},
                1e-1: {"epochs": None, "epochs_run": 4, "error": 0.5}}  # fmt: skip

    monkeypatch.setattr(relu_speed, "lr_grid", fake)
    table = relu_speed.size_table(500, [0, 1], max_epochs=6)
    assert table["0"]["relu"]["lr"] == 1e-3 and table["0"]["tanh"]["lr"] == 3e-2
    assert table["0"]["speedup"] == 2.0
    assert table["1"]["tanh"]["epochs"] is None and table["1"]["speedup"] == 3.0


def test_lr_grid_keeps_each_runs_training_curve():
    # a target no run reaches in 2 epochs: every rate runs to the budget, curve = history
    grid = relu_speed.lr_grid(
        "paper", "relu", num_train=20, max_epochs=2, learning_rates=(1e-3, 1e-2)
    )
    assert set(grid) == {1e-3, 1e-2}
    for run in grid.values():
        assert len(run["curve"]) == run["epochs_run"] <= 2
        assert run["curve"][-1] == run["error"]
        assert all(0 <= e <= 1 for e in run["curve"])


def test_fig1_passes_short_side_to_its_data(monkeypatch):
    seen = {}
    real = relu_speed.regime_data

    def spy(regime, **kwargs):
        seen.update(kwargs)
        return real(regime, **{**kwargs, "num_train": 20})

    monkeypatch.setattr(relu_speed, "regime_data", spy)
    relu_speed.fig1("paper", seed=1, max_epochs=1, short_side=512, grey=True)
    assert seen["short_side"] == 512 and seen["grey"] and seen["seed"] == 1


def test_record_results_draws_a_committed_size_record_as_fig1():
    row = {"relu": {"lr": 1e-3, "epochs": 2, "epochs_run": 2, "error": 0.2,
                    "curve": [0.6, 0.2]},
           "tanh": {"lr": 1e-2, "epochs": None, "epochs_run": 4, "error": 0.4,
                    "curve": [0.8, 0.6, 0.5, 0.4]},
           "speedup": 2.0}  # fmt: skip
    record = {"max_epochs": 4, "target": 0.25, "results": {"3": row}}
    (result,) = relu_speed.record_results(record)
    assert result.seed == 3 and result.speedup == 2.0 and result.lower_bound
    assert result.histories["tanh"].train_error == [0.8, 0.6, 0.5, 0.4]
    assert result.histories["relu"].epoch == [1, 2]
    assert result.learning_rates == {"relu": 1e-3, "tanh": 1e-2}
    viz.fig1_figure([result])  # draws without a Fig1Result from a live run
    del row["tanh"]["curve"]
    with pytest.raises(ValueError, match="curve"):
        relu_speed.record_results(record)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(regime="fancy"), ValueError, "regime"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(max_epochs=0), ValueError, "max_epochs"),
        (dict(learning_rates={"relu": 0.1}), ValueError, "learning_rates"),
        (dict(learning_rates={"relu": 0.1, "tanh": -1.0}), ValueError, "learning_rates"),
    ],
)
def test_fig1_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        relu_speed.fig1(**kwargs)


def test_final_error_and_spread():
    assert regularisation.final_error([0.9, 0.5, 0.4, 0.3, 0.2, 0.1, 0.3], last=2) == 0.2
    assert regularisation.spread([0.2, 0.25, 0.21]) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="errors"):
        regularisation.final_error([])


def _recording_fit(monkeypatch, seen: list):
    def fake_fit(build, train_set, test_set, preprocess, config, *, augment, device=None):
        seen.append(dict(train=train_set.tensors[0], test=test_set.tensors[0], config=config))
        return real_fit(build, train_set, test_set, preprocess, config, augment=augment,
                        device=device)  # fmt: skip

    real_fit = regularisation._fit
    monkeypatch.setattr(regularisation, "_fit", fake_fit)


def test_augmentation_overfit_is_grey_with_a_step_by_default_and_colour_on_request(monkeypatch):
    seen = []
    _recording_fit(monkeypatch, seen)
    regularisation.augmentation_overfit(1, per_class=2, test_per_class=2, epochs=3)
    for images in (seen[-1]["train"], seen[-1]["test"]):  # R = G = B: no colour left
        assert torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 1], images[:, 2])
    assert seen[-1]["config"].schedule == "step" and seen[-1]["config"].step_epochs == (2,)
    regularisation.augmentation_overfit(1, per_class=2, test_per_class=2, epochs=1,
                                        grey=False, step=False)  # fmt: skip
    assert not torch.equal(seen[-1]["train"][:, 0], seen[-1]["train"][:, 1])
    assert seen[-1]["config"].schedule == "constant"


@pytest.mark.parametrize("experiment", ["dropout_overfit", "augmentation_overfit"])
def test_the_patches_are_fixed_across_seeds_unless_data_seed_is_none(monkeypatch, experiment):
    seen = []
    _recording_fit(monkeypatch, seen)
    run = getattr(regularisation, experiment)
    for seed, data_seed in ((1, 0), (2, 0), (2, None), (1, 2)):
        run(seed, per_class=2, test_per_class=2, epochs=1, data_seed=data_seed)
    first, same, own, chosen = (seen[i]["train"] for i in range(0, len(seen), len(seen) // 4))
    assert torch.equal(first, same)  # seeds 1 and 2 on the default patches
    assert not torch.equal(first, own)  # data_seed=None: seed 2 draws its own
    assert torch.equal(own, chosen)  # ... which are data_seed 2's
    with pytest.raises(ValueError, match="data_seed"):
        run(1, per_class=2, test_per_class=2, epochs=1, data_seed=-1)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dropout", "--colour"], "apply to augmentation only"),
        (["dropout", "--constant"], "apply to augmentation only"),
        (["dropout", "--epochs", "30"], "apply to augmentation only"),  # even the default
        (["augmentation", "--epochs", "0"], "--epochs must be a positive int, got 0"),
        (["dropout", "--data-seed", "x"], "--data-seed must be a non-negative int or 'seed'"),
        (["augmentation", "--large"], "--large and --tiles apply to dropout only"),
        (["augmentation", "--tiles"], "--large and --tiles apply to dropout only"),
        (["dropout", "--large", "--tiles"], "two settings: give one"),
    ],
)
def test_regularisation_cli_refuses_augmentation_options_for_dropout(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        regularisation.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_dropout_overfit_runs_both_arms_from_one_seed():
    result = regularisation.dropout_overfit(3, per_class=5, test_per_class=5, epochs=2)
    assert set(result.records) == {"dropout 0.5", "no dropout"}
    for record in result.records.values():
        assert len(record.history) == 2 and len(record.clean_train_error) == 2
    assert result.gain == pytest.approx(result.test_error_without - result.test_error_with)


@pytest.mark.slow
def test_first_layer_filters_records_snapshots_and_the_change():
    result = kernels.first_layer_filters(3, epochs=1, per_class=5)
    assert len(result.snapshots) == 2 and result.initial.shape == (96, 3, 5, 5)
    torch.testing.assert_close(result.change, result.trained - result.initial)
    assert result.autocorrelation == pytest.approx(
        kernels.spatial_autocorrelation(result.change)
    )
    assert abs(result.autocorrelation_at_init) < 0.1


@pytest.mark.slow
def test_load_filters_remakes_the_patches_the_file_records(tmp_path):
    result = kernels.first_layer_filters(3, epochs=1, per_class=5)
    path = str(tmp_path / "filters.pt")
    kernels.save_filters(result, path, command="python -m x", per_class=5)
    given = kernels.load_filters(path, kernels.patches(5, 3))
    remade = kernels.load_filters(path)
    torch.testing.assert_close(remade.preprocess.mean, given.preprocess.mean)
    assert remade.autocorrelation == given.autocorrelation == result.autocorrelation
    with pytest.raises(ValueError, match="seed 3, 5 per class"):
        kernels.load_filters(path, kernels.patches(5, 4))


def test_dropout_net_puts_dropout_after_fc6_and_fc7_and_most_weights_there():
    net = regularisation.dropout_net(0.5, width=64)
    layers = list(net.classifier)
    assert [type(m).__name__ for m in layers] == [
        "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"
    ]  # fmt: skip
    assert layers[2].p == layers[5].p == 0.5 and layers[-1].out_features == 10
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    wide = regularisation.dropout_net(0.0)
    fc = sum(p.numel() for p in wide.classifier.parameters())
    conv = sum(p.numel() for p in wide.features.parameters())
    assert fc > 20 * conv  # as in AlexNet, the fully connected layers hold the weights


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(p=0.0), ValueError, "p must be above 0"),
        (dict(p=1.0), ValueError, "p must be in"),
        (dict(p="half"), TypeError, "p must be a number"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(seed=-1), ValueError, "seed"),
    ],
)
def test_dropout_overfit_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        regularisation.dropout_overfit(**kwargs)


def test_dropout_net_bad_width():
    with pytest.raises(ValueError, match="width"):
        regularisation.dropout_net(0.5, width=0)


def test_summary_takes_each_arm_by_its_label_not_its_position():
    def record(errors):
        history = type("H", (), {"test_error": errors, "test_loss": errors})()
        return type("R", (), {"history": history, "clean_train_error": errors})()

    # the cure is listed first, as augmentation_overfit lists it
    records = {"cure": record([0.5] * 5), "plain": record([0.0] * 5)}
    result = regularisation._result(4, records, "cure", "plain")
    summary = regularisation._summary([result])
    assert summary["clean_train_error_without"] == {"4": 0.0}
    assert summary["test_error_with"] == {"4": 0.5} and summary["test_loss_without"] == {"4": 0.0}


def test_paired_gains_compares_seed_by_seed_and_overall():
    results = {
        "test_error_with": {"0": 0.30, "1": 0.40, "2": 0.20},
        "test_error_without": {"0": 0.35, "1": 0.46, "2": 0.24},
    }
    paired = regularisation.paired_gains(results)
    assert paired["gains"] == pytest.approx([0.05, 0.06, 0.04])
    assert paired["mean"] == pytest.approx(0.05) and paired["sd"] == pytest.approx(0.01)
    assert paired["margin"] == pytest.approx(0.35 - 0.30)  # median without - median with
    assert paired["noise"] == pytest.approx(0.22)  # without: 0.46 - 0.24
    one = regularisation.paired_gains({"test_error_with": {"0": 0.3}, "test_error_without": {"0": 0.4}})
    assert one["sd"] == 0.0


def test_augmentation_arms_reads_a_record_by_arm():
    results = {
        "test_error_without": {"0": 0.4, "1": 0.5},
        "test_error_with": {"0": 0.3, "1": 0.35},
        "extra": {"0": {"crops + flips + PCA lighting": 0.32}, "1": {"crops + flips + PCA lighting": 0.3}},
    }
    arms = regularisation.augmentation_arms(results, "+ brightness")
    assert list(arms) == ["no augmentation", "crops + flips", "+ brightness"]
    assert arms["crops + flips"] == {"0": 0.3, "1": 0.35}
    assert arms["+ brightness"] == {"0": 0.32, "1": 0.3}
    assert list(regularisation.augmentation_arms(results))[2] == "crops + flips + PCA lighting"


@pytest.mark.slow
@pytest.mark.parametrize("what, grey", [("dropout", False), ("augmentation", True)])
def test_regularisation_record_says_which_patches_it_ran_on(monkeypatch, tmp_path, what, grey):
    # dropout_overfit trains on colour patches, augmentation_overfit on grey ones by default
    name = f"{what}_overfit"
    real = getattr(regularisation, name)
    monkeypatch.setattr(
        regularisation, name,
        lambda seed, **kw: real(seed, **{**kw, "per_class": 2, "test_per_class": 2, "epochs": 1}),
    )  # fmt: skip
    out = tmp_path / "record.json"
    regularisation.main([what, "--seeds", "0", "--output", str(out)])
    record = json.loads(out.read_text())
    assert record["grey"] is grey and record["seeds"] == [0]


@pytest.mark.parametrize("module", [relu_speed, relu_tail])
@pytest.mark.parametrize(
    "rates, message",
    [("0.01,x", "must be comma-separated numbers"), ("0.01,0.1", "needs at least 3 positive rates")],
)
def test_fig1_clis_refuse_a_bad_rate_grid(module, rates, message, capsys):
    argv = ["size", "--rates", rates] if module is relu_speed else ["--rates", rates]
    with pytest.raises(SystemExit) as exit_info:
        module.main(argv)
    assert exit_info.value.code == 2
    assert f"--rates {message}" in capsys.readouterr().err


@pytest.mark.parametrize("regime, stored", [("paper", None), ("modern", "modern")])
def test_size_record_names_a_regime_other_than_the_papers(monkeypatch, tmp_path, regime, stored):
    from alexnet_core.lab import relu_speed_cli

    seen = {}

    def fake(num_train, seeds, **kw):
        seen.update(kw)
        return {}

    monkeypatch.setattr(relu_speed_cli, "size_table", fake)
    out = tmp_path / "size.json"
    relu_speed.main(["size", "--regimes", regime, "--output", str(out)])
    record = json.loads(out.read_text())
    assert seen["regime"] == regime and record.get("regime") == stored
    assert f"{regime} regime" in relu_speed.size_report(record)


def test_dropout_overfit_short_side_cuts_the_patches_from_larger_photos(monkeypatch):
    # DROPOUT_LARGE's photos at 512 px: other patches than at the default 256, and four times
    # as many distinct squares to draw them from (chapter 5's larger setting)
    seen = []
    _recording_fit(monkeypatch, seen)
    regularisation.dropout_overfit(1, per_class=3, test_per_class=2, epochs=1)
    regularisation.dropout_overfit(1, per_class=3, test_per_class=2, epochs=1, short_side=512)
    assert seen[0]["train"].shape == seen[-1]["train"].shape == (30, 3, 40, 40)
    assert not torch.equal(seen[0]["train"], seen[-1]["train"])
    train = PhotoPatches(3, short_side=512)
    assert torch.equal(seen[-1]["train"], train.images)
    assert regularisation.DROPOUT_LARGE["short_side"] == 512
    with pytest.raises(ValueError, match="short_side"):
        regularisation.dropout_overfit(1, per_class=3, test_per_class=2, epochs=1, short_side=50)


@pytest.mark.slow
@pytest.mark.parametrize(
    "flag, setting, expected",
    [
        ("--large", "DROPOUT_LARGE", {"short_side": 512, "per_class": 500}),
        ("--tiles", "DROPOUT_TILES", {"block": 32, "stored": 32, "test_share": 0.5}),
    ],
)
def test_regularisation_record_names_its_setting(monkeypatch, tmp_path, flag, setting, expected):
    calls = []
    real = regularisation.dropout_overfit

    def small(seed, **kw):
        calls.append(kw)
        return real(seed, **{**kw, "per_class": 2, "test_per_class": 2, "epochs": 1})

    monkeypatch.setattr(regularisation, "dropout_overfit", small)
    out = tmp_path / "record.json"
    regularisation.main(["dropout", flag, "--seeds", "0", "--output", str(out)])
    record = json.loads(out.read_text())
    assert record["data"] == getattr(regularisation, setting)
    assert {k: calls[0][k] for k in expected} == expected
    assert flag in record["command"]


def test_regime_data_short_side_cuts_other_patches():
    default = relu_speed.regime_data("paper", num_train=20)
    larger = relu_speed.regime_data("paper", num_train=20, short_side=512)
    assert default.tensors[0].shape == larger.tensors[0].shape
    assert not torch.equal(default.tensors[0], larger.tensors[0])


def test_size_report_names_the_photo_size():
    record = {
        "command": "c", "hardware": "h", "seconds": 1, "num_train": 5000, "max_epochs": 20,
        "grey": True, "short_side": 512,
        "results": {"0": {"relu": {"lr": 0.003, "epochs": 5, "error": 0.2},
                          "tanh": {"lr": 0.01, "epochs": 20, "error": 0.24}, "speedup": 4.0}},
    }  # fmt: skip
    assert "luminance only, photos at 512 px" in relu_speed.size_report(record)
    del record["short_side"]
    assert "photos at" not in relu_speed.size_report(record)
    assert "), paper regime" in relu_speed.size_report(record)  # records without "regime"
    record["regime"] = "modern"
    assert "), modern regime" in relu_speed.size_report(record)
    row = record["results"]["0"]
    curved = {**row, "relu": {**row["relu"], "curve": [0.2]},
              "tanh": {**row["tanh"], "curve": [0.24]}}  # fmt: skip
    (result,) = relu_speed.record_results({**record, "results": {"0": curved}})
    assert result.regime == "modern"


def test_dropout_report_prints_each_seed_and_the_margin():
    results = {
        "test_error_with": {"0": 0.10, "1": 0.12, "2": 0.11},
        "test_error_without": {"0": 0.14, "1": 0.13, "2": 0.15},
        "test_loss_with": {"0": 0.6, "1": 0.7, "2": 0.65},
        "test_loss_without": {"0": 0.7, "1": 0.75, "2": 0.8},
        "epochs_to_converge": {
            s: {"dropout 0.5": 9, "no dropout": None if s == "2" else 5} for s in "012"
        },
    }
    text = regularisation.dropout_report(
        {"command": "python -m x", "hardware": "cpu", "seconds": 3, "results": results}
    )
    lines = text.splitlines()
    assert lines[0] == "python -m x | cpu | 3 s"
    assert lines[3].split()[:4] == ["0", "10.0%", "/", "14.0%"] and "+4.0%" in lines[3]
    assert lines[5].endswith("9 / —")  # never reached 5%
    # medians 11.0% / 14.0% differ by 3 points; the median gain is 4 (gains 4, 1, 4)
    assert "11.0% / 14.0%" in lines[-2] and lines[-2].endswith("+4.0%")
    assert lines[-1] == "the medians differ by +3.0%; spread across seeds: with 2.0%, without 2.0%"
    assert all(len(line) <= 88 for line in lines[1:])
