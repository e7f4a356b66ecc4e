"""Runs the marimo notebook (notebooks/alexnet.py) on the quick configuration and checks what it computed."""

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from alexnet_core import PAPER_CONNECTED, split_costs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "alexnet.py"


@pytest.fixture(scope="module")
def notebook():
    os.environ.setdefault("MARIMO_SKIP_UPDATE_CHECK", "1")
    spec = importlib.util.spec_from_file_location("alexnet_marimo", NOTEBOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(notebook):
    """The notebook as a script: every run button unpressed, so nothing may download."""
    import alexnet_core

    def no_download(*args, **kwargs):
        raise AssertionError("the notebook opened CIFAR-10 without a button press")

    saved = alexnet_core.cifar10
    alexnet_core.cifar10 = no_download
    try:
        outputs, defs = notebook.app.run()
    finally:
        alexnet_core.cifar10 = saved
    return outputs, defs


def _calls(tree):
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _with_parents(tree):
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    return tree


def _ancestors(node):
    while hasattr(node, "parent"):
        node = node.parent
        yield node


TREE = _with_parents(ast.parse(NOTEBOOK.read_text()))
RUN_BUTTONS = {
    target.id
    for node in ast.walk(TREE) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
    and ast.unparse(node.value.func) == "mo.ui.run_button"
    for target in node.targets if isinstance(target, ast.Name)
}


def test_architecture_section(run):
    _, defs = run
    assert defs["architecture_table"].parameters == 60_965_224  # the default: paper, 224
    assert defs["architecture_table"][0].output_shape == (96, 55, 55)


def test_relu_section_runs_the_packages_fig1_with_its_defaults(run):
    _, defs = run
    result = defs["relu_result"]  # the default settings train once, without the button
    assert defs["RELU_DEFAULTS"] == ("paper", 0, 12, "shared", "colour")
    assert defs["relu_grey"] is False
    assert (result.regime, result.seed, result.max_epochs) == ("paper", 0, 12)
    assert result.learning_rates["relu"] == result.learning_rates["tanh"]  # one shared rate
    # what the section's text says the defaults show: ReLU reaches the target first
    assert result.epochs["relu"] is not None and result.speedup >= 1.5, result.epochs
    assert set(result.histories) == {"relu", "tanh"}
    assert all(1 <= len(h) <= result.max_epochs for h in result.histories.values())
    assert result.histories["relu"].train_error[-1] < result.histories["relu"].train_error[0]


def test_relu_section_passes_the_data_choice_to_fig1(notebook, run):
    import types

    import marimo as mo

    from alexnet_core.lab import relu_speed

    _, defs = run
    calls = []

    def fig1(regime, seed, **options):
        calls.append((regime, seed, options))
        return "result"

    fake = types.SimpleNamespace(fig1=fig1, BEST_LR=relu_speed.BEST_LR)
    value = types.SimpleNamespace
    _, made = notebook.relu_experiment.run(
        RELU_DEFAULTS=defs["RELU_DEFAULTS"], device="cpu", mo=mo, page_drawn=True,
        relu_data=value(value="grey"), relu_epochs=value(value=30),
        relu_rates=value(value="own"), relu_regime=value(value="paper"), relu_runs={},
        relu_seed=value(value=1), relu_speed=fake, run_relu=value(value=True),
    )  # fmt: skip
    assert made["relu_result"] == "result" and made["relu_grey"] is True
    ((regime, seed, options),) = calls
    assert (regime, seed, options["grey"], options["max_epochs"]) == ("paper", 1, True, 30)
    assert options["learning_rates"] is None  # each net its own best rate


def test_lrn_section_uses_the_package(run):
    _, defs = run
    import alexnet_core as anc

    expected = anc.local_response_norm(defs["conv1_relu"], 5, 1e-4, 0.75, 2.0, convention="paper")
    assert defs["normalised"].shape == (1, 96, 55, 55)
    assert (defs["normalised"] - expected).abs().max().item() == 0.0


def test_dropout_section_agrees_in_expectation(run):
    _, defs = run
    summary = defs["dropout_summary"]
    assert summary["paper, test (×(1−p))"] == pytest.approx(0.5)
    assert summary["inverted, test (identity)"] == pytest.approx(1.0)
    assert summary["paper, training (mean)"] == pytest.approx(0.5, abs=0.1)
    assert summary["inverted, training (mean)"] == pytest.approx(1.0, abs=0.2)


def _pictures(figure):
    return [image for ax in figure.axes for image in ax.get_images()]


def test_lrn_panels_share_one_colour_scale(run):
    _, defs = run
    pictures = _pictures(defs["lrn_figure"])
    assert len(pictures) == 16  # 8 maps before, 8 after
    assert len({picture.get_clim() for picture in pictures}) == 1


def test_dropout_masks_draw_kept_and_dropped_units_in_distinct_colours(run):
    _, defs = run
    paper, inverted = _pictures(defs["dropout_masks_figure"])
    assert paper.get_clim() == inverted.get_clim()
    colour = lambda picture, value: tuple(picture.cmap(picture.norm(value)))  # noqa: E731
    # p = 0.5: the paper's kept units output 1, inverted dropout's 2, dropped units 0
    kept_paper, kept_inverted, dropped = colour(paper, 1.0), colour(inverted, 2.0), colour(paper, 0.0)
    assert len({kept_paper, kept_inverted, dropped}) == 3
    assert paper.get_array().max() == 1.0 and inverted.get_array().max() == 2.0


def test_figures_leave_room_for_their_titles(run):
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    _, defs = run
    for name in ("lrn_figure", "dropout_masks_figure"):
        assert isinstance(defs[name].get_layout_engine(), ConstrainedLayoutEngine), name


def test_every_slider_shows_its_value():
    sliders = [call for call in _calls(TREE) if ast.unparse(call.func) == "mo.ui.slider"]
    assert len(sliders) >= 10
    for call in sliders:
        shown = {k.arg: ast.unparse(k.value) for k in call.keywords}.get("show_value")
        assert shown == "True", f"line {call.lineno}: mo.ui.slider without show_value=True"


def test_channel_slider_follows_the_layer(notebook, run):
    import marimo as mo

    _, defs = run
    assert defs["channel_start"].stop == defs["layer_maps"].shape[0] - 16  # relu1: 96 maps
    for channels, last in ((192, 176), (96, 80), (128, 112)):  # relu3, relu1, relu5
        _, made = notebook.channel_controls.run(layer_maps=torch.zeros(channels, 4, 4), mo=mo)
        assert made["channel_start"].stop == last


def test_long_runs_show_progress():
    long_runs = {"run_fig1", "fig1", "first_layer_filters", "dropout_overfit", "train", "compare",
                 "cifar10"}  # fmt: skip
    for call in _calls(TREE):
        if _name(call) in long_runs and call.args + call.keywords:  # not module.train()
            progress = [
                ast.unparse(item.context_expr.func)
                for node in _ancestors(call) if isinstance(node, ast.With)
                for item in node.items if isinstance(item.context_expr, ast.Call)
            ]
            assert {"mo.status.spinner", "mo.status.progress_bar"} & set(progress), (
                f"line {call.lineno}: {_name(call)}(...) runs without a spinner or progress bar"
            )


def test_no_download_or_long_training_without_a_run_button():
    assert {"run_relu", "run_filters", "run_dropout"} <= RUN_BUTTONS
    for call in _calls(TREE):
        downloads = _name(call) == "cifar10" or any(
            k.arg == "download" and ast.unparse(k.value) != "False" for k in call.keywords
        )
        if downloads or _name(call) in ("first_layer_filters", "dropout_overfit"):
            guards = [ast.unparse(node.test) for node in _ancestors(call) if isinstance(node, ast.If)]
            assert any(f"{button}.value" in guard for guard in guards for button in RUN_BUTTONS), (
                f"line {call.lineno}: {_name(call)}(...) runs without a run button press"
            )


def test_filters_section_shows_chapter_9s_committed_net_until_the_button_is_pressed(run):
    _, defs = run
    result = defs["filters_result"]  # its button is unpressed in script mode: nothing trained
    assert "committed" in defs["filters_source"] and "committed" in defs["towers_state"]
    assert len(result.history) == 12  # book/data/filters.pt: 12 epochs
    assert result.autocorrelation >= 0.4 and abs(result.autocorrelation_at_init) < 0.1


def test_augmentation_and_filters_and_split(run):
    _, defs = run
    assert defs["augmented"].shape == (1, 3, 224, 224)
    assert defs["towers_model"].named_layer("conv1").weight.shape == (96, 3, 5, 5)
    assert defs["layer_maps"].shape == (96, 16, 16)  # relu1 of the 32×32 astronaut
    assert defs["measured_bytes"] == split_costs(PAPER_CONNECTED).bytes_per_image
    assert defs["costs"].parameters == 60_965_224


def test_marimo_check_passes():
    result = subprocess.run([sys.executable, "-m", "marimo", "check", "--strict", str(NOTEBOOK)], capture_output=True, text=True,
                            env={**os.environ, "MARIMO_SKIP_UPDATE_CHECK": "1"}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dropout_experiment_trains_only_when_pressed_and_shows_both_runs(notebook, run):
    import types

    import marimo as mo

    from alexnet_core.lab import regularisation

    _, defs = run
    assert defs["dropout_run"] is None  # script mode: the button is unpressed
    small = regularisation.dropout_overfit(2, per_class=5, test_per_class=5, epochs=2)
    calls = []

    def dropout_overfit(seed, device, **sizes):
        calls.append((seed, sizes))
        return small

    fake = types.SimpleNamespace(
        dropout_overfit=dropout_overfit, final_error=regularisation.final_error,
        DROPOUT_LARGE=regularisation.DROPOUT_LARGE,
    )
    pressed = types.SimpleNamespace(value=True)
    for data in ("small", "large"):
        output, made = notebook.dropout_experiment.run(
            anc=defs["anc"], device="cpu", dropout_seed=types.SimpleNamespace(value=2), mo=mo,
            regularisation=fake, run_dropout=pressed, dropout_data=types.SimpleNamespace(value=data),
        )
        assert made["dropout_run"] is small
        html = output.text
        assert "dropout 0.5" in html and "no dropout" in html and "test loss" in html
    # the data menu picks the setting: the larger one is chapter 5's DROPOUT_LARGE
    assert calls == [(2, {}), (2, regularisation.DROPOUT_LARGE)]
