"""The chapters' claims about the paper's effects, re-checked on seeds the chapters do not use.

Chapter 9 loads a net trained once for 12 epochs (book/data/filters.pt); chapter 3 reads Fig. 1's
committed grid and seeds; chapter 5 reads dropout's committed seeds. Here the quick functions run again on other seeds, so a change to the
package that breaks a claim fails the suite. Asserts check direction and margin, never exact values.

Each test runs a quick experiment (20-45 s on 2 cores; chapter 5's larger dropout setting about
5 minutes, chapter 3's photos at 512 px about 2.5), about 11 minutes in all, so they are kept out of
the default `pytest --nbval` (marker ``claims``) and run as their own stage of `.ci/run`:
`pytest -m claims tests/test_effects_claims.py`.
"""

from __future__ import annotations

import pytest

from alexnet_core.lab import kernels, regularisation, relu_speed

pytestmark = [pytest.mark.slow, pytest.mark.claims]


def test_first_layer_kernels_become_edge_like_on_another_seed():
    result = kernels.first_layer_filters(seed=7)
    assert abs(result.autocorrelation_at_init) < 0.1
    assert result.autocorrelation >= 0.4, result.autocorrelation
    assert min(result.history.test_error) < 0.5  # it learned: chance is 0.9


def test_fig1_paper_regime_is_kinder_to_relu_than_the_modern_one_on_another_seed():
    paper = relu_speed.fig1("paper", seed=11)
    modern = relu_speed.fig1("modern", seed=11)
    assert paper.epochs["relu"] is not None and modern.epochs["relu"] is not None
    # chapter 3's claims: ReLU is not several times faster here, and the paper's regime
    # gives it the better ratio of the two
    assert paper.speedup < 2 and modern.speedup < 2, (paper.speedup, modern.speedup)
    assert paper.speedup >= modern.speedup, (paper.speedup, modern.speedup)


def test_fig1_without_colour_relu_is_ahead_on_another_seed():
    # chapter 3, "Without colour": on luminance-only patches ReLU reaches 25% first (median
    # 1.7x over seeds 0-2), still short of 3x; the rates are the best of book/data/fig1_grey.json
    # on two of its three seeds (ReLU 3e-3, tanh 3e-2 on all three)
    rates = {"relu": 3e-3, "tanh": 3e-2}
    result = relu_speed.fig1("paper", seed=11, grey=True, max_epochs=40, learning_rates=rates)
    assert result.epochs["relu"] is not None and result.epochs["tanh"] is not None
    assert 1.0 <= result.speedup < 3, result.epochs


def test_fig1_on_four_times_the_distinct_images_relu_is_far_ahead_on_another_seed():
    # chapter 3, "Four times the distinct images": 5,000 luminance patches of the photos at
    # 512 px, each net at its committed best rate (book/data/fig1_grey_5000_s512.json, seeds
    # 0-2): ReLU at 25% in 18-23 epochs, tanh in 60-65 (median 3.3x). The full run takes up to
    # 65 epochs a net; this shortened check stops at 30 (about 2.5 minutes) and checks the
    # direction: ReLU gets there, tanh is far above the line at that epoch and never gets there
    rates = {"relu": 1e-3, "tanh": 1e-2}
    result = relu_speed.fig1("paper", seed=11, grey=True, num_train=5000, short_side=512,
                             max_epochs=30, learning_rates=rates)  # fmt: skip
    relu = result.epochs["relu"]
    assert relu is not None and result.epochs["tanh"] is None, result.epochs
    tanh_then = result.histories["tanh"].train_error[relu - 1]
    assert tanh_then >= 0.35, tanh_then  # ten points and more above the target


def test_dropout_claims_of_chapter_5_on_another_seed():
    result = regularisation.dropout_overfit(seed=9)
    without, with_ = result.records["no dropout"], result.records["dropout 0.5"]
    # the net without dropout memorises its 500 patches; its test error stays far above that
    assert regularisation.final_error(without.clean_train_error) < 0.02
    assert result.test_error_without > 0.1
    # chapter 5: on the test error dropout is within the seed noise (the same patches for every
    # seed: spread 3 to 5 points; gains from -3 to +4)
    assert abs(result.gain) < 0.08, result.gain
    # it takes longer to converge, but less than three times as long (chapter 5: 1.2x to 2.4x)
    converge = result.epochs_to_converge
    assert converge["no dropout"] < converge["dropout 0.5"] < 3 * converge["no dropout"], converge


def test_dropout_on_more_distinct_images_claims_of_chapter_5_on_another_seed():
    # chapter 5, "Ten times the images" (DROPOUT_LARGE: 5,000 patches of the photos at 512 px):
    # dropout ends lower in test error on the five committed seeds, by 0.2 to 2.6 points, within
    # the 1.6-2.0 point spread; on this seed it ended 1.4 points higher (13.2% vs 11.8%, 2026-12-07,
    # AMD EPYC), as the chapter says. What holds on every seed: the net without dropout memorises,
    # dropout converges later, and the test error moves by less than 3 points either way.
    # About 5 minutes: the one claims test that runs a committed setting in full, on one seed
    result = regularisation.dropout_overfit(seed=9, **regularisation.DROPOUT_LARGE)
    without = result.records["no dropout"]
    assert regularisation.final_error(without.clean_train_error) < 0.01
    converge = result.epochs_to_converge
    assert converge["no dropout"] < converge["dropout 0.5"], converge
    assert abs(result.gain) < 0.03, (result.test_error_with, result.test_error_without)


def test_augmentation_in_colour_claims_of_chapter_7_on_another_seed():
    # chapter 7's colour runs: constant rate, each seed its own patches
    result = regularisation.augmentation_overfit(seed=13, grey=False, step=False, data_seed=None)
    without = result.records["no augmentation"]
    # the net without augmentation fits its 500 patches, and sooner than the augmented one
    # (which sees a new crop of every patch in every epoch); the test error difference itself
    # is not asserted: on this seed its sign reverses, as the chapter says
    assert regularisation.final_error(without.clean_train_error) < 0.05
    converge = result.epochs_to_converge
    assert converge["no augmentation"] is not None
    assert converge["crops + flips"] is None or converge["crops + flips"] > converge["no augmentation"]
    assert abs(result.gain) < 0.06, result.gain  # within the committed seeds' spread


def test_augmentation_claims_of_chapter_7_on_another_seed():
    # chapter 7 "Without colour" ran 45 epochs; this shortened check runs the defaults (grey
    # patches, the same for every seed, 30 epochs with lr / 10 after 20) and asks for the
    # direction: crops + flips lower the test error and the test loss
    result = regularisation.augmentation_overfit(seed=13)
    assert result.gain > 0, (result.test_error_with, result.test_error_without)
    assert result.test_loss_with < result.test_loss_without
    without = result.records["no augmentation"]
    # it fits its patches (to about 14% in 30 epochs; 4-7% in the chapter's 45)
    assert regularisation.final_error(without.clean_train_error) < 0.2
