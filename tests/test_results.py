"""Tests for alexnet_core.results (top-k error, the paper's tables) and the pictures viz draws of them."""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from matplotlib.figure import Figure
from torch.utils.data import DataLoader, TensorDataset

from alexnet_core import results, viz


def naive_topk_error(logits, labels, k):
    """The definition of §2, one sample at a time: is the label among the k highest scores?"""
    wrong = 0
    for scores, label in zip(logits.tolist(), labels.tolist()):
        best = sorted(range(len(scores)), key=lambda c: -scores[c])[:k]
        wrong += label not in best
    return wrong / len(labels)


@pytest.mark.parametrize("k", [1, 2, 5, 10])
def test_topk_error_matches_the_definition_and_torch_topk(k):
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(200, 10, generator=generator)
    labels = torch.randint(0, 10, (200,), generator=generator)
    assert results.topk_error(logits, labels, k) == pytest.approx(naive_topk_error(logits, labels, k))
    in_topk = (logits.topk(k, dim=1).indices == labels[:, None]).any(dim=1)
    assert torch.equal(results.topk_correct(logits, labels, k), in_topk)


def test_rank_and_edge_cases():
    logits = torch.tensor([[0.1, 0.7, 0.2], [3.0, 2.0, 1.0], [1.0, 1.0, 0.0]])
    labels = torch.tensor([1, 2, 1])
    assert results.true_label_rank(logits, labels).tolist() == [1, 3, 1]  # a tie counts in the label's favour
    assert results.topk_error(logits, labels, 1) == pytest.approx(1 / 3)
    assert results.topk_error(logits, labels, 3) == 0.0  # k = number of classes: never wrong
    # softmax keeps the order, so scores and probabilities give the same error
    assert results.topk_error(logits.softmax(1), labels, 2) == results.topk_error(logits, labels, 2)


BAD_INPUTS = [  # (function, args, kwargs, error, message): this module's one table of bad inputs
    (results.topk_error, (torch.zeros(2, 3), torch.tensor([0, 1]), 0), {}, ValueError, r"k must be >= 1, got 0"),
    (results.topk_error, (torch.zeros(2, 3), torch.tensor([0, 1]), 4), {}, ValueError, r"k must be <= 3, got 4"),
    (results.topk_error, (torch.zeros(2, 3), torch.tensor([0, 3]), 1), {}, ValueError, r"labels must be class indices in \[0, 2\]"),
    (results.topk_error, (torch.zeros(2, 3), torch.tensor([0]), 1), {}, ValueError, r"labels must have one entry per row of logits \(2\), got 1"),
    (results.topk_error, (torch.zeros(3), torch.tensor([0]), 1), {}, ValueError, r"logits must be a 2-D tensor, got shape \(3,\)"),
    (results.topk_error, (torch.zeros(2, 3, dtype=torch.long), torch.tensor([0, 1]), 1), {}, TypeError, r"logits must be a floating-point tensor .*torch\.int64"),
    (results.topk_error, (torch.zeros(2, 3), torch.tensor([0.0, 1.0]), 1), {}, TypeError, r"labels must be an integer tensor of class indices, got dtype torch\.float32"),
    (results.topk_error, ([[0.0, 1.0]], torch.tensor([0]), 1), {}, TypeError, r"logits must be a torch\.Tensor, got \[\[0\.0, 1\.0\]\] \(list\)"),
    (results.topk_error, (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), 1), {}, ValueError, r"logits must hold at least one sample, got none"),
    (results.topk_error, (torch.full((2, 5), float("nan")), torch.tensor([0, 1]), 1), {}, ValueError, r"logits must be finite"),
    (results.evaluate_topk, (torch.nn.Linear(2, 2), torch.randn(3)), {}, TypeError, r"data must be a torch Dataset or DataLoader of \(image, label\) pairs .*got Tensor"),
    (results.evaluate_topk, (torch.nn.Linear(2, 2), TensorDataset(torch.randn(3, 2), torch.zeros(3).long())), {"ks": ()}, TypeError, r"ks must be a non-empty list or tuple of ints, got \(\)"),
    (results.evaluate_topk, ("model", TensorDataset(torch.randn(3, 2), torch.zeros(3).long())), {}, TypeError, r"model must be a torch\.nn\.Module, got str"),
    (results.TABLE_2.value, ("8 CNNs", "Top-1 (val)"), {}, ValueError, r"model must be one of 'SIFT \+ FVs', .*got '8 CNNs'"),
    (results.TABLE_2.value, ("1 CNN", "Top-3"), {}, ValueError, r"column must be one of 'Top-1 \(val\)', .*got 'Top-3'"),
]


@pytest.mark.parametrize("function, args, kwargs, error, match", BAD_INPUTS, ids=lambda v: getattr(v, "__name__", None))
def test_bad_input_raises_a_clear_error(function, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        function(*args, **kwargs)


def test_evaluate_topk_agrees_with_topk_error_and_restores_mode():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 7), torch.nn.Dropout(0.5))
    images, labels = torch.randn(50, 3, 2, 2), torch.randint(0, 7, (50,))
    model.train()
    errors = results.evaluate_topk(model, TensorDataset(images, labels), ks=(1, 3), batch_size=16)
    assert model.training
    with torch.no_grad():
        logits = model.eval()(images)
    assert errors[1] == pytest.approx(results.topk_error(logits, labels, 1))
    assert errors[3] == pytest.approx(results.topk_error(logits, labels, 3))
    loader_errors = results.evaluate_topk(model, DataLoader(TensorDataset(images, labels), batch_size=7), ks=1)
    assert loader_errors == {1: pytest.approx(errors[1])}


def test_tables_hold_the_papers_numbers():
    assert results.TABLE_1.value("CNN", "Top-1") == 37.5 and results.TABLE_1.value("CNN", "Top-5") == 17.0
    assert results.TABLE_1.value("Sparse coding", "Top-5") == 28.2 and results.TABLE_1.value("SIFT + FVs", "Top-5") == 25.7
    table = results.TABLE_2
    assert table.value("7 CNNs*", "Top-5 (test)") == 15.3  # the winning entry
    assert table.value("5 CNNs", "Top-5 (test)") == 16.4  # ILSVRC-2012 data only
    assert table.value("SIFT + FVs", "Top-5 (test)") == 26.2  # the runner-up
    assert table.value("1 CNN", "Top-5 (test)") is None
    assert [row.model for row in table.rows] == ["SIFT + FVs", "1 CNN", "5 CNNs", "1 CNN*", "7 CNNs*"]
    assert results.FALL_2009.value("CNN (sixth conv layer added)", "Top-5") == 40.9


def test_tables_render_as_text_and_html():
    text = str(results.TABLE_2)
    assert "15.3%" in text and "–" in text and text.splitlines()[0].startswith("Table 2")
    html = results.TABLE_2._repr_html_()
    assert html.count("<tr>") == 6 and "<em>SIFT + FVs</em>" in html and "<td>15.3%</td>" in html


def test_topk_figure_marks_what_counts_as_correct():
    logits = torch.tensor([[3.0, 2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 2.0, 0.0]])
    labels = torch.tensor([0, 0, 2])
    figure = viz.topk_figure(logits, labels, 2, class_names=list("abcd"))
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0].startswith("✓") and titles[1].startswith("✗") and titles[2].startswith("✓")
    assert "1 of 3 wrong" in figure._suptitle.get_text()
    red = [t.get_text() for t in figure.axes[1].get_yticklabels() if t.get_color() == "crimson"]
    assert red == ["a"]
    with pytest.raises(ValueError, match=r"class_names must have 4 entries and sample_names 3, got 1 and 3"):
        viz.topk_figure(logits, labels, 2, class_names=["a"])


def test_seed_errors_draws_one_line_per_seed_and_a_median_per_arm():
    arms = {"none": {"0": 0.4, "1": 0.5, "2": 0.45}, "crops": {"0": 0.3, "1": 0.35, "2": 0.2}}
    figure = viz.seed_errors(arms)
    ax = figure.axes[0]
    assert len(ax.lines) == 3 + 2  # three seeds joined across arms, two median bars
    assert [t.get_text() for t in ax.texts] == ["45.0%", "30.0%"]
    with pytest.raises(TypeError, match="arms must be"):
        viz.seed_errors({})


def test_results_bars_and_layer_costs_figure():
    figure = viz.results_bars(results.TABLE_2, "Top-5 (test)")
    assert [round(p.get_width(), 1) for p in figure.axes[0].patches] == [26.2, 16.4, 15.3]
    with pytest.raises(TypeError, match=r"table must be a ResultTable .*got dict"):
        viz.results_bars({}, "Top-1")
    from alexnet_core import alexnet, layer_table

    table = layer_table(alexnet("cifar"))
    figure = viz.layer_costs_figure(table, limits=(1.0, 10.0))
    assert isinstance(figure, Figure) and figure.axes[0].get_ylim() == (0.0, 1.0)
    heights = [p.get_height() * 1e6 for p in figure.axes[0].patches]
    expected = [row.parameters for row in table if row.kind in ("Conv2d", "Linear")]
    assert heights == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"table must contain Conv2d or Linear rows"):
        viz.layer_costs_figure([])
