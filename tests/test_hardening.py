"""Hardening: bad input, no network, reproducibility, safe checkpoints and the Colab set-up cell.

1. A table of bad inputs, one row per (callable, args, kwargs, expected exception, message regex),
   over every public function and class that ``alexnet_core/__init__.py`` exports plus the basics of
   ``viz``, ``widgets``, ``cli``, ``results``, ``pooling`` and ``pretrained``. Every row must raise
   ValueError or TypeError (the CLI: exit status 2) with a message naming the argument, what was
   expected and what came. NaN/inf policy: values that parameterise an operation (``fit_pca``'s
   images, the PCA eigenvalues/vectors, LRN's α/β/k, learning rates) must be finite and are
   rejected; data flowing through a layer (LRN input, images being cropped or shifted) is not
   checked, so NaN propagates as it would through any torch layer (tested below); a search whose
   ranking NaN would silently corrupt (``nearest_neighbours``) rejects it.
2. No network: the conftest's socket block works; CIFAR-10 offline fails fast with instructions;
   the chapters' quick path (outside ``if FULL_SCALE`` and Colab-only branches) never downloads.
3. Reproducibility: same seed → bit-identical augmentation draws, training histories and data.
4. Safe files: a KeyboardInterrupt mid-run leaves a loadable checkpoint from which ``resume=True``
   reaches the uninterrupted run's weights exactly.
5. The chapters' Colab set-up cell does nothing outside Colab and, on Colab, installs only
   alexnet_core (never torch/torchvision).
"""

from __future__ import annotations

import ast
import errno
import functools
import importlib.util
import json
import math
import re
import shlex
import socket
import sys
import time
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import alexnet_core as anc
from alexnet_core import cli, pooling, pretrained, results, viz, widgets

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
NAN, INF = float("nan"), float("inf")


@pytest.fixture(autouse=True)
def close_figures():
    """The viz rows may open a figure before raising; do not let them pile up."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


pytestmark = pytest.mark.usefixtures("one_thread_module")  # tests/conftest.py


# ---------------------------------------------------------------- 1. the bad-input table

@dataclass(frozen=True)
class Bad:
    """One bad input: ``fn(*args, **kwargs)`` must raise ``error`` with a message matching ``match``."""

    api: str  # the public name under test
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict
    error: type[Exception]
    match: str
    marks: tuple = field(default=())


def bad(fn, *args, exc=ValueError, match, api=None, marks=(), **kwargs) -> Bad:
    return Bad(api or getattr(fn, "__name__", repr(fn)), fn, args, kwargs, exc, match, tuple(marks))


def _images(n=2, c=3, s=16, dtype=torch.float32):
    return torch.rand(n, c, s, s).to(dtype)


def _nan_images():
    x = _images()
    x[0, 1, 2, 3] = NAN
    return x


def _with(value, index=0):
    """Return eigenvalues (3,) with one entry replaced by ``value`` (NaN, inf)."""
    eigvals = torch.tensor([0.2, 0.02, 0.002])
    eigvals[index] = value
    return eigvals


EIGVALS, EIGVECS = torch.tensor([0.2, 0.02, 0.002]), torch.eye(3)
GOOD_PARAMS = anc.sample_crop_flip(2, 16, 8, generator=torch.Generator().manual_seed(0))


@functools.cache
def _cifar() -> anc.AlexNet:
    torch.manual_seed(0)
    return anc.cifar_alexnet().eval()


def _cifar_forward(x):
    return _cifar()(x)


def _cifar_named_layer(name):
    return _cifar().named_layer(name)


def _capture(x, layers):
    return anc.capture_activations(_cifar(), x, layers)


def _extract(x, layer="relu7", **kwargs):
    return anc.extract_features(_cifar(), x, layer, **kwargs)


def _layer_table(**kwargs):
    return anc.layer_table(_cifar(), **kwargs)


def _from_grouped(model):
    return anc.TwoTowerAlexNet.from_grouped(model)


def _tiny() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 2))


def _tiny_data(n=4):
    return TensorDataset(torch.rand(n, 3, 4, 4), torch.arange(n) % 2)


def _history(**changes):
    record = anc.History().as_dict()
    record.update(changes)
    return record


def _paper_sgd(**kwargs):
    return anc.PaperSGD(nn.Linear(2, 2).parameters(), **kwargs)


def _render(**values):
    return viz.activation_functions()


def _ten_crop_predict_1d(images):
    return anc.ten_crop_predict(lambda x: x.sum(dim=(1, 2, 3)), images, 8)


def _make_loaders(**kwargs):
    return anc.make_loaders(_tiny_data(), _tiny_data(), **kwargs)


def _figure_to_png(value):
    return viz.figure_to_png(value)


NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
FEW_GPUS = pytest.mark.skipif(torch.cuda.device_count() >= 2, reason="two GPUs would build the net")

ROWS: list[Bad] = [
    # lrn (§3.3)
    bad(anc.local_response_norm, [[1.0]], exc=TypeError, match=r"x must be a torch\.Tensor, got \[\[1\.0\]\] \(list\)"),
    bad(anc.local_response_norm, torch.zeros(2, 3), match=r"x must have at least 3 dimensions, got shape \(2, 3\)"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2, dtype=torch.int64), exc=TypeError, match=r"x must be a floating-point tensor.*got dtype torch\.int64"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), size=0, match=r"size must be a positive int, got 0"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), size=2.5, exc=TypeError, match=r"size must be an int, got 2\.5 \(float\)"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), alpha=0, match=r"alpha must be a finite number > 0, got 0\.0"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), alpha=-1e-4, match=r"alpha must be a finite number > 0, got -0\.0001"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), alpha=NAN, match=r"alpha must be a finite number > 0, got nan"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), k=0, match=r"k must be a finite number > 0, got 0\.0"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), k=-2, match=r"k must be a finite number > 0, got -2\.0"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), beta=INF, match=r"beta must be a finite number > 0, got inf"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), convention="torch", match=r"convention must be one of 'paper', 'pytorch', got 'torch'"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), groups=0, match=r"groups must be a positive int, got 0"),
    bad(anc.local_response_norm, torch.zeros(1, 8, 2, 2), groups=3, match=r"groups must divide the number of channels C=8 of x, got groups=3"),
    bad(anc.LocalResponseNorm, size=-1, match=r"size must be a positive int, got -1"),
    bad(anc.LocalResponseNorm, groups=0, match=r"groups must be a positive int, got 0"),
    bad(anc.LocalResponseNorm, convention="PAPER", match=r"convention must be one of .*got 'PAPER'"),
    bad(anc.LocalResponseNorm(), torch.zeros(4), api="LocalResponseNorm", match=r"x must have at least 3 dimensions, got shape \(4,\)"),
    bad(anc.local_response_norm_loop, torch.zeros(1, 8, 2, 2, dtype=torch.int32), exc=TypeError, match=r"x must be a floating-point tensor.*torch\.int32"),
    bad(anc.local_response_norm_loop, torch.zeros(1, 8, 2, 2), alpha=-1, match=r"alpha must be a finite number > 0, got -1\.0"),
    bad(anc.torch_alpha, 1e-4, 0, match=r"size must be a positive int, got 0"),
    bad(anc.torch_alpha, -1e-4, 5, match=r"alpha must be a finite number > 0, got -0\.0001"),
    bad(anc.torch_alpha, 1e-4, 5, "caffe", match=r"convention must be one of 'paper', 'pytorch', got 'caffe'"),
    # augment (§2, §4.1)
    bad(anc.CropFlipParams, torch.zeros(2), torch.zeros(2, dtype=torch.long), torch.zeros(2, dtype=torch.bool), 4, exc=TypeError, match=r"tops must have dtype torch\.int64, got torch\.float32"),
    bad(anc.CropFlipParams, torch.zeros(2, dtype=torch.long), torch.zeros(2, dtype=torch.long), torch.zeros(2, dtype=torch.bool), 0, match=r"crop_size must be a positive int, got 0"),
    bad(anc.CropFlipParams, torch.zeros(2, dtype=torch.long), torch.zeros(3, dtype=torch.long), torch.zeros(2, dtype=torch.bool), 4, match=r"tops, lefts and flips must have the same length, got 2, 3, 2"),
    bad(anc.sample_crop_flip, 0, 32, 24, match=r"batch_size must be a positive int, got 0"),
    bad(anc.sample_crop_flip, 2, 16, 24, match=r"crop_size must be <= the image size \(H, W\) = \(16, 16\), got 24"),
    bad(anc.sample_crop_flip, 2, 32, 0, match=r"crop_size must be a positive int, got 0"),
    bad(anc.sample_crop_flip, 2, (32,), 24, exc=TypeError, match=r"image_size must be an int or a pair \(H, W\), got \(32,\)"),
    bad(anc.sample_crop_flip, 2, 0, 24, match=r"image_size must be a positive int, got 0"),
    bad(anc.sample_crop_flip, 2, 32, 24, flip_probability=1.5, match=r"flip_probability must be in \[0, 1\], got 1\.5"),
    bad(anc.sample_crop_flip, 2, 32, 24, generator=0, exc=TypeError, match=r"generator must be a torch\.Generator or None, got 0 \(int\)"),
    bad(anc.crop_flip, _images()[0], GOOD_PARAMS, match=r"images must have shape \(N, C, H, W\), got shape \(3, 16, 16\)"),
    bad(anc.crop_flip, _images(), "params", exc=TypeError, match=r"params must be a CropFlipParams, got str"),
    bad(anc.crop_flip, _images(dtype=torch.uint8), GOOD_PARAMS, exc=TypeError, match=r"images must be a floating-point tensor, got dtype torch\.uint8"),
    bad(anc.crop_flip, _images(3), GOOD_PARAMS, match=r"params must hold one crop per image \(3\), got 2"),
    bad(anc.crop_flip, _images(s=6), GOOD_PARAMS, match=r"crop_size must be <= the image size \(H, W\) = \(6, 6\), got 8"),
    bad(anc.random_crop_flip, _images(), 40, match=r"crop_size must be <= the image size \(H, W\) = \(16, 16\), got 40"),
    bad(anc.random_crop_flip, _images(), -1, match=r"crop_size must be a positive int, got -1"),
    bad(anc.random_crop_flip, _images().numpy(), 8, exc=TypeError, match=r"(?s)images must be a torch\.Tensor of shape \(N, C, H, W\), got .*ndarray"),
    bad(anc.random_crop_flip, _images(), 8, generator="seed", exc=TypeError, match=r"generator must be a torch\.Generator or None, got 'seed' \(str\)"),
    bad(anc.ten_crop, _images(), 64, match=r"crop_size must be <= the image size \(H, W\) = \(16, 16\), got 64"),
    bad(anc.ten_crop, _images(), 0, match=r"crop_size must be a positive int, got 0"),
    bad(anc.ten_crop, _images(dtype=torch.uint8), 8, exc=TypeError, match=r"images must be a floating-point tensor, got dtype torch\.uint8"),
    bad(anc.ten_crop_predict, "model", _images(), exc=TypeError, match=r"model must be callable \(an nn\.Module\), got str"),
    bad(anc.ten_crop_predict, nn.Identity(), _images(), 8, batch_size=0, match=r"batch_size must be a positive int, got 0"),
    bad(_ten_crop_predict_1d, _images(), api="ten_crop_predict", match=r"model must return \(batch, num_classes\) logits, got shape \(20,\)"),
    bad(anc.fit_pca, _images(c=2), match=r"images must have 3 \(RGB\) channels in dimension 1, got shape \(2, 2, 16, 16\)"),
    bad(anc.fit_pca, torch.rand(4, 4), match=r"images must be a 3-D or 4-D tensor, got shape \(4, 4\)"),
    bad(anc.fit_pca, _images(dtype=torch.uint8), exc=TypeError, match=r"images must be a floating-point tensor, got dtype torch\.uint8"),
    bad(anc.fit_pca, _nan_images(), match=r"images must be finite, got a tensor containing NaN or inf"),
    bad(anc.fit_pca, _images() * INF, match=r"images must be finite, got a tensor containing NaN or inf"),
    bad(anc.fit_pca, torch.rand(1, 3, 1, 1), match=r"images must hold at least 2 pixels to estimate a covariance, got 1"),
    bad(anc.fit_pca, [[0.5]], exc=TypeError, match=r"images must be a torch\.Tensor, got \[\[0\.5\]\] \(list\)"),
    bad(anc.sample_lighting, 0, EIGVALS, match=r"batch_size must be a positive int, got 0"),
    bad(anc.sample_lighting, 2, torch.ones(2), match=r"eigvals must have shape \(3,\), got \(2,\)"),
    bad(anc.sample_lighting, 2, _with(NAN), match=r"eigvals must be finite, got a tensor containing NaN or inf"),
    bad(anc.sample_lighting, 2, _with(INF), match=r"eigvals must be finite, got a tensor containing NaN or inf"),
    bad(anc.sample_lighting, 2, EIGVALS, std=-0.1, match=r"std must be a finite number >= 0, got -0\.1"),
    bad(anc.sample_lighting, 2, [0.2, 0.02, 0.002], exc=TypeError, match=r"eigvals must be a torch\.Tensor, got \[0\.2, 0\.02, 0\.002\] \(list\)"),
    bad(anc.sample_lighting, 2, torch.ones(3, dtype=torch.long), exc=TypeError, match=r"eigvals must be a floating-point tensor.*torch\.int64"),
    bad(anc.sample_lighting, 2, EIGVALS, generator=1, exc=TypeError, match=r"generator must be a torch\.Generator or None, got 1 \(int\)"),
    bad(anc.lighting_shift, torch.zeros(2, 4), EIGVALS, EIGVECS, match=r"alphas must have shape \(N, 3\), got \(2, 4\)"),
    bad(anc.lighting_shift, torch.zeros(3), EIGVALS, EIGVECS, match=r"alphas must be a 2-D tensor, got shape \(3,\)"),
    bad(anc.lighting_shift, torch.zeros(2, 3), EIGVALS, torch.eye(3)[:, :2], match=r"eigvecs must have shape \(3, 3\) \(eigenvectors as columns\), got \(3, 2\)"),
    bad(anc.lighting_shift, torch.zeros(2, 3), EIGVALS, torch.eye(3) * INF, match=r"eigvecs must be finite, got a tensor containing NaN or inf"),
    bad(anc.pca_lighting, _images(c=1), EIGVALS, EIGVECS, match=r"images must have 3 \(RGB\) channels in dimension 1, got shape \(2, 1, 16, 16\)"),
    bad(anc.pca_lighting, _images(), EIGVALS, EIGVECS, std=-1, match=r"std must be a finite number >= 0, got -1\.0"),
    bad(anc.pca_lighting, _images(), _with(NAN, 2), EIGVECS, match=r"eigvals must be finite"),
    bad(anc.pca_lighting, _images(), EIGVALS, EIGVECS, alphas=torch.zeros(3, 3), match=r"alphas must have one row per image \(2\), got 3"),
    bad(anc.augment_batch, _images(), 8, eigvals=EIGVALS, match=r"eigvals and eigvecs must be given together \(from fit_pca\), got only one"),
    bad(anc.augment_batch, _images(), 40, match=r"crop_size must be <= the image size \(H, W\) = \(16, 16\), got 40"),
    bad(anc.augment_batch, _images(c=1), 8, eigvals=EIGVALS, eigvecs=EIGVECS, match=r"images must have 3 \(RGB\) channels in dimension 1, got shape \(2, 1, 16, 16\)"),
    bad(anc.augment_batch, _images(), 8, alphas=torch.zeros(2, 3), match=r"alphas needs eigvals and eigvecs for the lighting shift, got neither"),
    bad(anc.augment_batch, _images(), 6, params=GOOD_PARAMS, match=r"crop_size must equal params\.crop_size \(8\), got 6"),
    bad(anc.mean_image, _images(0), match=r"images must hold at least one image, got an empty batch"),
    bad(anc.mean_image, _images()[0], match=r"images must have shape \(N, C, H, W\), got shape \(3, 16, 16\)"),
    bad(anc.subtract_mean, _images(), torch.zeros(3, 8, 8), match=r"mean must have the image shape \(C, H, W\) = \(3, 16, 16\), got \(3, 8, 8\)"),
    bad(anc.subtract_mean, _images(dtype=torch.uint8), torch.zeros(3, 16, 16), exc=TypeError, match=r"images must be a floating-point tensor.*torch\.uint8"),
    bad(anc.subtract_mean, _images(), torch.zeros(1, 3, 16, 16), match=r"mean must be a 3-D tensor, got shape \(1, 3, 16, 16\)"),
    # model (§3, §4.2, §5)
    bad(anc.alexnet, "vgg", match=r"variant must be one of 'paper', .*got 'vgg'"),
    bad(anc.alexnet, "paper", num_classes=1, match=r"num_classes must be >= 2, got 1"),
    bad(anc.alexnet, "paper", num_classes=10.0, exc=TypeError, match=r"num_classes must be an int, got 10\.0 \(float\)"),
    bad(anc.alexnet, "paper", activation="sigmoid", match=r"activation must be one of 'relu', 'tanh', got 'sigmoid'"),
    bad(anc.alexnet, "paper", dropout=1.0, match=r"dropout must be in \[0, 1\), got 1\.0"),
    bad(anc.alexnet, "paper", dropout=-0.1, match=r"dropout must be in \[0, 1\), got -0\.1"),
    bad(anc.alexnet, "paper", input_size=256, match=r"input_size must be 224 or 227 for variant 'paper'.*got 256"),
    bad(anc.alexnet, "cifar", input_size=64, match=r"input_size must be 32 for variant 'cifar', got 64"),
    bad(anc.alexnet, "torchvision", input_size=32, match=r"input_size must be >= 63 for variant 'torchvision', got 32"),
    bad(anc.alexnet, "paper", lrn="yes", exc=TypeError, match=r"lrn must be True or False, got 'yes'"),
    bad(anc.alexnet, "paper", lrn_convention="torch", match=r"lrn_convention must be one of 'paper', 'pytorch', got 'torch'"),
    bad(anc.alexnet, "paper", dropout_mode="scaled", match=r"dropout_mode must be one of 'inverted', 'paper', got 'scaled'"),
    bad(anc.alexnet, "paper", init="xavier", match=r"init must be one of 'paper', 'pytorch', got 'xavier'"),
    bad(anc.alexnet, "paper", depth=8, exc=TypeError, match=r"unknown option\(s\) depth; expected some of activation, .*lrn"),
    bad(anc.AlexNetConfig, variant=None, match=r"variant must be one of .*got None"),
    bad(anc.AlexNet, "paper", exc=TypeError, match=r"config must be an AlexNetConfig, got str"),
    bad(anc.PaperDropout, 1.0, match=r"p must be in \[0, 1\), got 1\.0"),
    bad(anc.PaperDropout, -0.5, match=r"p must be in \[0, 1\), got -0\.5"),
    bad(anc.PaperDropout, "0.5", exc=TypeError, match=r"p must be a number in \[0, 1\), got '0\.5' \(str\)"),
    bad(anc.cifar_alexnet, num_classes=0, match=r"num_classes must be >= 2, got 0"),
    bad(anc.cifar_alexnet, dropout=2.0, match=r"dropout must be in \[0, 1\), got 2\.0"),
    bad(anc.fig1_net, "sigmoid", match=r"activation must be one of 'relu', 'tanh', got 'sigmoid'"),
    bad(anc.paper_init_, nn.Linear(2, 2), exc=TypeError, match=r"model must be an AlexNet, got Linear"),
    bad(anc.count_parameters, "model", exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(_cifar_forward, _images(c=1, s=32), api="AlexNet", match=r"x must have 3 \(RGB\) channels in dimension 1, got shape \(2, 1, 32, 32\)"),
    bad(_cifar_forward, _images(s=64), api="AlexNet", match=r"x must be \(N, 3, 32, 32\) for this 'cifar' model \(built with input_size=32\), got shape \(2, 3, 64, 64\)"),
    bad(_cifar_forward, _images(s=32, dtype=torch.uint8), api="AlexNet", exc=TypeError, match=r"x must be a floating-point tensor, got dtype torch\.uint8"),
    bad(_cifar_forward, _images(s=32)[0], api="AlexNet", match=r"x must have shape \(N, C, H, W\), got shape \(3, 32, 32\)"),
    bad(_cifar_named_layer, "conv9", api="AlexNet", match=r"name must be one of conv1, .*; got 'conv9'"),
    # split (§3.2)
    bad(anc.TwoTowerAlexNet, ("cuda:0", "cuda:1"), marks=(NO_CUDA,), match=r"devices\[0\]='cuda:0' was requested but torch\.cuda\.is_available\(\) is False"),
    bad(anc.TwoTowerAlexNet, ("cpu", "cuda:7"), marks=(FEW_GPUS,), match=r"devices\[1\]='cuda:7' (was requested but torch\.cuda\.is_available\(\) is False|but only \d CUDA device)"),
    bad(anc.TwoTowerAlexNet, "cpu", match=r"devices must be a pair like \('cuda:0', 'cuda:1'\), got 'cpu'"),
    bad(anc.TwoTowerAlexNet, ("cpu", "cpu", "cpu"), match=r"devices must be a pair .*got \('cpu', 'cpu', 'cpu'\)"),
    bad(anc.TwoTowerAlexNet, ("cpu", "tpu"), match=r"devices\[1\] must name a device such as 'cpu' or 'cuda:0', got 'tpu'"),
    bad(anc.TwoTowerAlexNet, ("cpu", "cpu"), dropout=1.0, match=r"dropout must be in \[0, 1\), got 1\.0"),
    bad(anc.TwoTowerAlexNet, ("cpu", "cpu"), num_classes=1, match=r"num_classes must be >= 2, got 1"),
    bad(_from_grouped, nn.Linear(2, 2), api="TwoTowerAlexNet", exc=TypeError, match=r"model must be an alexnet\('paper'\) model, got Linear"),
    bad(anc.split_costs, ["conv9"], match=r"connected must contain only conv2, .*fc8; got conv9"),
    bad(anc.split_costs, 5, exc=TypeError, match=r"connected must be layer names such as .*got 5"),
    bad(anc.split_costs, bytes_per_value=0, match=r"bytes_per_value must be a positive int, got 0"),
    bad(anc.split_costs, bytes_per_value=2.5, exc=TypeError, match=r"bytes_per_value must be an int, got 2\.5 \(float\)"),
    # summary (§3.5)
    bad(anc.layer_table, "model", exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(anc.layer_table, nn.Linear(2, 2), match=r"input_size must be given for a model without config\.input_size"),
    bad(_layer_table, input_size=0, api="layer_table", match=r"input_size must be a positive int, got 0"),
    bad(_layer_table, input_size=64, api="layer_table", match=r"x must be \(N, 3, 32, 32\) for this 'cifar' model.*got shape \(1, 3, 64, 64\)"),
    bad(_layer_table, channels=-1, api="layer_table", match=r"channels must be a positive int, got -1"),
    bad(_layer_table, channels="3", api="layer_table", exc=TypeError, match=r"channels must be an int, got '3' \(str\)"),
    # data (§2, §3.1)
    bad(anc.OfflineShapes, 0, match=r"num_images must be a positive int, got 0"),
    bad(anc.OfflineShapes, 10.0, exc=TypeError, match=r"num_images must be an int, got 10\.0 \(float\)"),
    bad(anc.OfflineShapes, 10, image_size=4, match=r"image_size must be >= 8, got 4"),
    bad(anc.OfflineShapes, 10, num_classes=11, match=r"num_classes must be <= 10, got 11"),
    bad(anc.OfflineShapes, 10, num_classes=1, match=r"num_classes must be >= 2, got 1"),
    bad(anc.OfflineShapes, 10, seed=-1, match=r"seed must be >= 0, got -1"),
    bad(anc.OfflineShapes, 10, split="val", match=r"split must be one of 'train', 'test', got 'val'"),
    bad(anc.OfflineShapes, 10, eager="yes", exc=TypeError, match=r"eager must be a bool or None, got 'yes' \(str\)"),
    bad(anc.offline_dataset, "validation", match=r"split must be one of 'train', 'test', got 'validation'"),
    bad(anc.offline_dataset, num_images=0, match=r"num_images must be a positive int, got 0"),
    bad(anc.offline_dataset, image_size=0, match=r"image_size must be >= 8, got 0"),
    bad(_make_loaders, batch_size=0, api="make_loaders", match=r"batch_size must be a positive int, got 0"),
    bad(_make_loaders, seed=-1, api="make_loaders", match=r"seed must be >= 0, got -1"),
    bad(_make_loaders, num_workers=-1, api="make_loaders", match=r"num_workers must be >= 0, got -1"),
    bad(anc.cifar10, 5, exc=TypeError, match=r"root must be a folder path \(str or os\.PathLike\), got 5 \(int\)"),
    bad(anc.cifar10, "data", download="no", exc=TypeError, match=r"download must be True or False, got 'no' \(str\)"),
    bad(anc.cifar10, "data", train=1, exc=TypeError, match=r"train must be True or False, got 1 \(int\)"),
    bad(anc.cifar10, "data", transform="to_tensor", exc=TypeError, match=r"transform must be callable or None, got 'to_tensor'"),
    bad(anc.image_folder, 5, exc=TypeError, match=r"root must be a folder path \(str or os\.PathLike\), got 5 \(int\)"),
    bad(anc.image_folder, "data", image_size=0, match=r"image_size must be a positive int, got 0"),
    bad(anc.image_folder, "data", transform=3, exc=TypeError, match=r"transform must be callable or None, got 3"),
    bad(anc.sample_photo, "lena", match=r"name must be one of 'astronaut', .*got 'lena'"),
    bad(anc.sample_photo, "astronaut", size=0, match=r"size must be a positive int, got 0"),
    bad(anc.sample_photos, 0, match=r"size must be a positive int, got 0"),
    bad(anc.sample_photos, 2.0, exc=TypeError, match=r"size must be an int, got 2\.0 \(float\)"),
    # experiments (§3–§4)
    bad(anc.quick_data, 0, match=r"num_train must be a positive int, got 0"),
    bad(anc.quick_data, 10, 0, match=r"num_test must be a positive int, got 0"),
    bad(anc.quick_data, 10, 10, image_size=4, match=r"image_size must be >= 8, got 4"),
    bad(anc.compare, {}, _tiny_data(), match=r"builders must be a non-empty dict of label -> model-building function, got \{\}"),
    bad(anc.compare, {"a": 5}, _tiny_data(), exc=TypeError, match=r"builders\['a'\] must be a function returning a model, got int"),
    bad(anc.compare, {"a": _tiny}, _tiny_data(), configs={"b": anc.TrainConfig()}, match=r"configs has labels \['b'\] that are not in builders \(\['a'\]\)"),
    bad(anc.compare, {"a": _tiny}, _tiny_data(), config="fast", exc=TypeError, match=r"config must be a TrainConfig, got 'fast' \(str\)"),
    bad(anc.best_history, {}, match=r"histories must hold at least one run, got none"),
    bad(anc.best_history, {0.1: anc.History()}, target=0, match=r"target must be a finite number > 0, got 0\.0"),
    bad(anc.best_history, {0.1: "history"}, exc=TypeError, match=r"history must be a History, got str"),
    bad(anc.lr_sweep, _tiny, [], _tiny_data(), match=r"learning_rates must list at least one rate, got none"),
    bad(anc.lr_sweep, _tiny, [-0.1], _tiny_data(), match=r"learning_rates\[i\] must be a finite number > 0, got -0\.1"),
    bad(anc.lr_sweep, _tiny, 0.01, _tiny_data(), exc=TypeError, match=r"learning_rates must be a list of rates .*got 0\.01"),
    bad(anc.lr_sweep, _tiny, [0.01], _tiny_data(), target=0, match=r"target must be a finite number > 0, got 0\.0"),
    # features (§6.1)
    bad(anc.capture_activations, "model", _images(s=32), "conv1", exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(_capture, _images(s=32)[0], "conv1", api="capture_activations", match=r"x must be a 4-D tensor, got shape \(3, 32, 32\)"),
    bad(_capture, _images(s=32), "conv9", api="capture_activations", match=r"layers must name layers of the model \(conv1, .*\); got 'conv9'"),
    bad(_capture, _images(s=32), [], api="capture_activations", match=r"layers must name at least one layer, got an empty list"),
    bad(_capture, _images(s=32), 5, api="capture_activations", exc=TypeError, match=r"layers must be a layer name or a list of names .*got 5"),
    bad(_capture, _images(s=32, dtype=torch.uint8), "conv1", api="capture_activations", exc=TypeError, match=r"x must be a floating-point tensor.*torch\.uint8"),
    bad(_extract, _images(s=32), batch_size=0, api="extract_features", match=r"batch_size must be a positive int, got 0"),
    bad(_extract, _images(s=32), "fc9", api="extract_features", match=r"layers must name layers of the model .*got 'fc9'"),
    bad(_extract, _images(0, s=32), api="extract_features", match=r"x must hold at least one image, got shape \(0, 3, 32, 32\)"),
    bad(anc.nearest_neighbours, torch.rand(5), torch.rand(2, 5), match=r"features must be a 2-D tensor, got shape \(5,\)"),
    bad(anc.nearest_neighbours, torch.rand(5, 4), torch.rand(2, 5), match=r"queries must have the same feature size as features \(4\), got 5"),
    bad(anc.nearest_neighbours, torch.rand(5, 4), torch.rand(2, 4), 0, match=r"k must be >= 1, got 0"),
    bad(anc.nearest_neighbours, torch.rand(5, 4), torch.rand(2, 4), 6, match=r"k must be <= 5, got 6"),
    bad(anc.nearest_neighbours, torch.rand(5, 4), torch.rand(2, 4), 5, exclude_self=True, match=r"k must be <= 4, got 5"),
    bad(anc.nearest_neighbours, torch.rand(5, 4).index_fill(0, torch.tensor([1]), NAN), torch.rand(2, 4), match=r"features must be finite, got a tensor containing NaN or inf"),
    bad(anc.nearest_neighbours, torch.rand(5, 4), torch.full((2, 4), NAN), match=r"queries must be finite, got a tensor containing NaN or inf"),
    bad(anc.nearest_neighbours, torch.ones(5, 4, dtype=torch.long), torch.rand(2, 4), exc=TypeError, match=r"features must be a floating-point tensor.*torch\.int64"),
    # train (§5)
    bad(anc.TrainConfig, epochs=0, match=r"TrainConfig\.epochs must be a positive int, got 0"),
    bad(anc.TrainConfig, batch_size=0, match=r"TrainConfig\.batch_size must be a positive int, got 0"),
    bad(anc.TrainConfig, lr=0, match=r"TrainConfig\.lr must be a finite number > 0, got 0\.0"),
    bad(anc.TrainConfig, lr=-0.01, match=r"TrainConfig\.lr must be a finite number > 0, got -0\.01"),
    bad(anc.TrainConfig, lr=NAN, match=r"TrainConfig\.lr must be a finite number > 0, got nan"),
    bad(anc.TrainConfig, momentum=1.0, match=r"TrainConfig\.momentum must be in \[0, 1\), got 1\.0"),
    bad(anc.TrainConfig, weight_decay=-1, match=r"TrainConfig\.weight_decay must be a finite number >= 0, got -1\.0"),
    bad(anc.TrainConfig, optimizer="adam", match=r"TrainConfig\.optimizer must be one of 'paper', 'sgd', got 'adam'"),
    bad(anc.TrainConfig, schedule="cosine", match=r"TrainConfig\.schedule must be one of 'plateau', 'step', 'constant', got 'cosine'"),
    bad(anc.TrainConfig, lr_drop_factor=1.0, match=r"TrainConfig\.lr_drop_factor must be > 1, got 1\.0"),
    bad(anc.TrainConfig, amp="fp8", match=r"TrainConfig\.amp must be False, True, 'bf16' or 'fp16', got 'fp8'"),
    bad(anc.TrainConfig, seed=-1, match=r"TrainConfig\.seed must be >= 0, got -1"),
    bad(anc.TrainConfig, schedule="step", step_epochs=(3, 2), match=r"TrainConfig\.step_epochs must be strictly increasing, got \(3, 2\)"),
    bad(anc.History.from_dict, {"epoch": []}, api="History", match=r"history must be a dict with keys \['epoch', .*\], got \['epoch'\]"),
    bad(anc.History.from_dict, _history(epoch=[1]), api="History", match=r"history lists must have equal lengths, got .*'epoch': 1"),
    bad(_paper_sgd, lr=0, api="PaperSGD", match=r"lr must be a finite number > 0, got 0\.0"),
    bad(_paper_sgd, momentum=1.0, api="PaperSGD", match=r"momentum must be in \[0, 1\), got 1\.0"),
    bad(_paper_sgd, weight_decay=-1, api="PaperSGD", match=r"weight_decay must be a finite number >= 0, got -1\.0"),
    bad(anc.train, "model", _tiny_data(), exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(anc.train, _tiny(), [1, 2, 3], exc=TypeError, match=r"train_data must be a torch Dataset or DataLoader of \(image, label\) pairs .*got list"),
    bad(anc.train, _tiny(), _tiny_data(), config="fast", exc=TypeError, match=r"config must be a TrainConfig or None, got str"),
    bad(anc.train, _tiny(), _tiny_data(), augment=5, exc=TypeError, match=r"augment must be callable or None, got 5"),
    bad(anc.train, _tiny(), _tiny_data(), device="tpu", match=r"device must be None, 'auto', 'cpu', .*got 'tpu'"),
    bad(anc.train, _tiny(), _tiny_data(0), match=r"train_data must not be empty, got a dataset of length 0"),
    bad(anc.evaluate, "model", _tiny_data(), exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(anc.evaluate, _tiny(), _tiny_data(), batch_size=0, match=r"batch_size must be a positive int, got 0"),
    bad(anc.evaluate, _tiny(), 5, exc=TypeError, match=r"data must be a torch Dataset or DataLoader .*got int"),
    bad(anc.epochs_to_reach, "history", exc=TypeError, match=r"history must be a History, got str"),
    bad(anc.epochs_to_reach, anc.History(), error=1.5, match=r"error must be in \[0, 1\], got 1\.5"),
    bad(anc.epochs_to_reach, anc.History(), split="val", match=r"split must be one of 'train', 'test', got 'val'"),
    bad(anc.save_checkpoint, 5, exc=TypeError, match=r"path must be a str or os\.PathLike, got 5"),
    bad(anc.load_checkpoint, 5, exc=TypeError, match=r"path must be a str or os\.PathLike, got 5"),
    bad(anc.load_checkpoint, str(ROOT / "tests"), match=r"checkpoint '.*tests' is not a file"),
    bad(anc.pick_device, "cuda", marks=(NO_CUDA,), match=r"device='cuda' was requested but torch\.cuda\.is_available\(\) is False"),
    bad(anc.pick_device, "cuda:7", marks=(FEW_GPUS,), match=r"device='cuda:7' was requested but (torch\.cuda\.is_available\(\) is False|only \d CUDA device)"),
    bad(anc.pick_device, "tpu", match=r"device must be None, 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', got 'tpu'"),
    bad(anc.pick_device, "gpu", match=r"device must be None, .*got 'gpu'"),
    bad(anc.pick_device, 0, exc=TypeError, match=r"device must be a str, torch\.device or None, got 0 \(int\)"),
    bad(anc.pick_device, torch.device("meta"), match=r"device must be None, .*got device\(type='meta'\)"),
    bad(anc.seed_everything, -1, match=r"seed must be >= 0, got -1"),
    bad(anc.seed_everything, 1.5, exc=TypeError, match=r"seed must be an int, got 1\.5 \(float\)"),
    bad(anc.seed_everything, 2**64, match=r"seed must be <= 18446744073709551615, got 18446744073709551616"),
    bad(anc.throughput, "model", exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(anc.throughput, _tiny(), batch_size=0, match=r"batch_size must be a positive int, got 0"),
    bad(anc.throughput, _tiny(), steps=0, match=r"steps must be a positive int, got 0"),
    bad(anc.throughput, _tiny(), warmup=-1, match=r"warmup must be >= 0, got -1"),
    bad(anc.throughput, _tiny(), train="yes", exc=TypeError, match=r"train must be a bool, got 'yes'"),
    bad(anc.throughput, _tiny(), device="tpu", match=r"device must be None, .*got 'tpu'"),
    # viz and widgets (pictures)
    bad(_figure_to_png, "figure", api="viz.figure_to_png", exc=TypeError, match=r"figure must be a matplotlib Figure, got str"),
    bad(viz.to_display_image, torch.rand(2, 2), exc=ValueError, match=r"image must have shape \(C, H, W\), got shape \(2, 2\)"),
    bad(viz.to_display_image, torch.rand(1, 4, 4), match=r"image must have 3 \(RGB\) channels in dimension 0, got shape \(1, 4, 4\)"),
    bad(viz.to_display_image, torch.full((3, 4, 4), 128, dtype=torch.uint8), exc=TypeError, match=r"image must be a floating-point tensor, got dtype torch\.uint8"),
    bad(viz.to_display_image, [[0.5]], exc=TypeError, match=r"image must be a torch\.Tensor of shape \(C, H, W\), got .*list"),
    bad(viz.filter_grid, torch.zeros(4, 1, 3, 3), match=r"weight must hold RGB kernels \(K, 3, h, w\), got shape \(4, 1, 3, 3\)"),
    bad(viz.filter_grid, torch.zeros(4, 3, 3, 3), towers=3, match=r"towers must be 1 or 2 and divide the 4 kernels, got 3"),
    bad(viz.filter_grid, torch.zeros(3, 3, 3), match=r"weight must be a 4-D tensor, got shape \(3, 3, 3\)"),
    bad(viz.activation_grid, torch.rand(4, 5, 5), channels=[99], match=r"channels must be indices in \[0, 3\], got \[99\]"),
    bad(viz.activation_grid, torch.rand(4, 4), match=r"activations must be a 3-D tensor, got shape \(4, 4\)"),
    bad(viz.image_row, [], match=r"images must hold at least one image, got none"),
    bad(viz.image_row, [torch.rand(3, 4, 4)], ["a", "b"], match=r"titles must have one entry per image \(1\), got 2"),
    bad(viz.training_curves, {}, match=r"histories must map at least one label to a history, got none"),
    bad(viz.training_curves, {"a": anc.History()}, metric="accuracy", match=r"metric must be one of epoch, .*got 'accuracy'"),
    bad(viz.neighbours_figure, torch.rand(2, 3, 4, 4), torch.rand(3, 1, 3, 4, 4), match=r"neighbours must have one row per query \(2\), got 3"),
    bad(widgets.interactive_figure, "render", {"a": [1]}, exc=TypeError, match=r"render must be a function returning a matplotlib Figure, got str"),
    bad(widgets.interactive_figure, _render, {}, match=r"controls must be a non-empty dict of control name -> list of values, got \{\}"),
    bad(widgets.interactive_figure, _render, {"a": []}, match=r"controls\['a'\] must list at least one value, got none"),
    bad(widgets.interactive_figure, _render, {"a": [1, 2]}, defaults={"a": 3}, match=r"defaults\['a'\] must be one of the values in controls\['a'\], got 3"),
    bad(widgets.interactive_figure, _render, {"a": [1, 2]}, static_controls={"b": [1]}, match=r"static_controls must have the same names as controls \(\['a'\]\), got \['b'\]"),
    bad(widgets.static_html, _render, {"a": list(range(65))}, match=r"controls must give at most 64 combinations for the static figure, got 65"),
    # results, pooling, pretrained
    bad(pooling.pool_output_size, 0, 3, 2, match=r"size must be a positive int, got 0"),
    bad(pooling.pool_output_size, 7, 3, 0, match=r"stride must be a positive int, got 0"),
    bad(pooling.pool_output_size, 2, 3, 2, match=r"kernel must fit in the padded map \(size \+ 2·padding = 2\), got 3"),
    bad(pooling.pool_output_size, 7, 3, 2, padding=2, match=r"padding must be at most kernel // 2 = 1 \(as in torch\), got 2"),
    bad(pooling.window_counts, -1, 3, 2, match=r"size must be a positive int, got -1"),
    bad(pooling.window_counts, 2.5, 3, 2, exc=TypeError, match=r"size must be an int, got 2\.5"),
    bad(pretrained.imagenet_normalise, torch.rand(1, 4, 4), match=r"images must have 3 \(RGB\) channels, got shape \(1, 4, 4\)"),
    bad(pretrained.imagenet_normalise, torch.rand(3, 4, 4).mul(255).byte(), exc=TypeError, match=r"images must be a floating-point tensor.*torch\.uint8"),
    bad(pretrained.cached_weights_path, 5, exc=TypeError, match=r"cache_dir must be a str, os\.PathLike or None, got 5"),
    bad(pretrained.load_torchvision_weights, _tiny(), download="yes", exc=TypeError, match=r"download must be True or False, got 'yes'"),
    bad(pretrained.load_torchvision_weights, _tiny(), path=5, exc=TypeError, match=r"path must be a str, os\.PathLike or None, got 5"),
    bad(anc.Checkpointer, 5, exc=TypeError, match=r"path must be a str or os\.PathLike, got 5"),
    bad(anc.Checkpointer, "run.pt", resume="yes", exc=TypeError, match=r"resume must be True or False, got 'yes'"),
    bad(anc.Preprocess, 0, match=r"crop_size must be a positive int, got 0"),
    bad(anc.Preprocess, 32, eigvals=torch.ones(3), match=r"eigvals and eigvecs must be given together"),
    bad(anc.Preprocess, 32, mean=torch.zeros(3, 4), match=r"mean must be a 3-D tensor, got shape \(3, 4\)"),
    bad(anc.as_tensors, 5, exc=TypeError, match=r"dataset must be a map-style dataset of \(image, label\) pairs .*got int"),
    bad(anc.as_tensors, [], match=r"dataset must hold at least one image, got an empty dataset"),
    bad(anc.small_task, _tiny_data(), _tiny_data(), [], match=r"classes must list at least one class label"),
    bad(lambda model: anc.eval_mode(model).__enter__(), "model", api="eval_mode", exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
    bad(anc.run_with_hooks, "model", _images(), [], exc=TypeError, match=r"model must be a torch\.nn\.Module, got str"),
]

# `python -m alexnet_core` (cli.main): bad flags must exit with status 2 and a one-line message.
CLI_ROWS = [
    (["--epochs", "0"], r"--epochs: must be a positive int, got 0"),
    (["--batch-size", "-1"], r"--batch-size: must be a positive int, got -1"),
    (["--epochs", "two"], r"--epochs: invalid _positive_int value: 'two'"),
    (["--dropout", "1.0"], r"--dropout: must be in \[0, 1\), got 1\.0"),
    (["--variant", "vgg"], r"--variant: invalid choice: 'vgg'"),
    (["--resume"], r"--resume needs --checkpoint-dir"),
    (["--device", "tpu"], r"device must be None, .*got 'tpu'"),
    (["--dataset", "/no/such/folder"], r"--dataset must be 'photos', 'offline', 'cifar10', a prepared folder or an ImageNet-style folder, got '/no/such/folder'"),
    (["--num-train", "5"], r"--num-train and --num-test must be >= 10 for photos \(10 classes\), got 5 and 1000"),
    (["--lr", "-1", "--num-train", "10", "--num-test", "10"], r"TrainConfig\.lr must be a finite number > 0, got -1\.0"),
    (["--momentum", "1.5", "--num-train", "10", "--num-test", "10"], r"TrainConfig\.momentum must be in \[0, 1\), got 1\.5"),
    (["--variant", "fig1", "--two-tower", "cpu,cpu", "--num-train", "10", "--num-test", "10"], r"--two-tower splits the paper's net: use --variant paper, got 'fig1'"),
]

EXEMPT = {  # exported names with no bad-input row, and why
    "VARIANTS": "a constant", "PAPER_CONNECTED": "a constant", "MOVED": "a constant (old module names)",
    "SplitCosts": "a result record returned by split_costs (validated there), not built by readers",
    "LayerTable": "a result list returned by layer_table (validated there), not built by readers",
}


def _row_id(row: Bad) -> str:
    return f"{row.api}-{re.sub(r'[^A-Za-z0-9_.=-]+', '_', row.match[:40])}"


@pytest.mark.parametrize("row", [pytest.param(r, id=_row_id(r), marks=r.marks) for r in ROWS])
def test_bad_input_raises_a_clear_error(row: Bad):
    with pytest.raises(row.error, match=row.match) as caught:
        row.fn(*row.args, **row.kwargs)
    assert type(caught.value) in (ValueError, TypeError), f"{type(caught.value).__name__} is neither ValueError nor TypeError"


@pytest.mark.parametrize("argv, match", CLI_ROWS, ids=[" ".join(a)[:30] for a, _ in CLI_ROWS])
def test_cli_rejects_bad_flags_with_one_line(argv, match, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main([*argv, "--no-progress"])
    message = capsys.readouterr().err
    assert caught.value.code == 2
    assert re.search(match, message), message
    assert "Traceback" not in message


def test_the_sweep_covers_every_exported_name_with_80_plus_bad_inputs():
    exported = {name for name in dir(anc) if not name.startswith("_") and not isinstance(getattr(anc, name), types.ModuleType)}
    exported -= {"annotations", "importlib", "warnings", "Any"}  # the __init__'s own imports
    covered = {row.api for row in ROWS}
    assert not exported - covered - set(EXEMPT), f"no bad-input row for {sorted(exported - covered - set(EXEMPT))}"
    total = len(ROWS) + len(CLI_ROWS)
    print(f"bad inputs tried: {total} ({len(ROWS)} calls + {len(CLI_ROWS)} command lines)")
    assert total >= 80


def test_nan_in_a_layer_input_propagates_instead_of_raising():
    """The documented choice: NaN in data flowing through LRN (like any torch layer) gives NaN only
    where the window reaches it; channel i's window is i − 2 … i + 2, so channels 0-2 see channel 0."""
    x = torch.rand(1, 8, 2, 2)
    x[0, 0, 1, 1] = NAN
    out = anc.local_response_norm(x)
    assert out[0, :3, 1, 1].isnan().all() and out[0, 3:, 1, 1].isfinite().all()
    assert out[0, :, 0, 0].isfinite().all()
    shifted = anc.pca_lighting(_nan_images(), EIGVALS, EIGVECS, generator=torch.Generator().manual_seed(0))
    assert shifted.isnan().sum() == 1 and shifted[1].isfinite().all()


# ---------------------------------------------------------------- 2. no network by default

EXAMPLE_COM = ("93.184.216.34", 80)


def test_conftest_blocks_outbound_connections():
    with pytest.raises(OSError, match=r"network access is blocked in tests .*93\.184\.216\.34") as caught:
        socket.create_connection(EXAMPLE_COM, timeout=2)
    assert caught.value.errno == errno.ENETUNREACH  # what a real unreachable network raises
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(OSError, match="blocked"):
        sock.connect(EXAMPLE_COM)


def test_cifar10_offline_says_how_to_provide_the_data(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"CIFAR-10 not found: looked in .*pass download=True .*or put "
                                                r"cifar-10-batches-py in " + re.escape(str(tmp_path.resolve()))):
        anc.cifar10(tmp_path, download=False)


def test_sample_photos_load_offline():
    """The chapters' quick path shows real photos: they must ship with the installed packages."""
    photos = anc.sample_photos(16)  # under the conftest's socket block
    assert photos.shape == (len(anc.data.SAMPLE_PHOTOS), 3, 16, 16) and photos.isfinite().all()


def _resolve_to_example_com(host, port, *args, **kwargs):
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (EXAMPLE_COM[0], port))]


def _no_dns(host, *args, **kwargs):
    raise socket.gaierror(-2, "Name or service not known")


@pytest.mark.parametrize("resolver", [_resolve_to_example_com, _no_dns], ids=["socket-blocked", "no-dns"])
def test_cifar10_download_offline_fails_fast_with_a_clear_error(tmp_path, monkeypatch, resolver):
    """Resolving to a real address makes the request reach the conftest's blocked connect; the
    other case is a machine without DNS. Either way: a ConnectionError with instructions, no hang."""
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    start = time.perf_counter()
    # "network:": the failure is caught as the OSError a real network failure raises
    with pytest.raises(ConnectionError, match=r"could not download CIFAR-10 \(network: .+\); with no internet, put "
                                              r"cifar-10-batches-py .* under " + re.escape(str(tmp_path.resolve()))):
        anc.cifar10(tmp_path, download=True)
    assert time.perf_counter() - start < 10
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found"):  # nothing half-written passes for data
        anc.cifar10(tmp_path, download=False)


def test_cli_download_offline_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_to_example_com)
    with pytest.raises(SystemExit) as caught:
        cli.main(["--dataset", "cifar10", "--download", "--data-root", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "could not download CIFAR-10" in err and "Traceback" not in err


NETWORK_CALLS = {"urlopen", "urlretrieve", "get_state_dict", "load_state_dict_from_url", "download_url",
                 "download_and_extract_archive", "download_file_from_google_drive", "download_url_to_file"}
NETWORK_MODULES = {"requests", "httpx", "urllib3", "aiohttp"}


def _is_full_scale(test: ast.expr) -> bool:
    """True for `FULL_SCALE` and `FULL_SCALE and ...` (the branch taken only at full scale)."""
    if isinstance(test, ast.Name):
        return test.id == "FULL_SCALE"
    return isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and any(_is_full_scale(v) for v in test.values)


def _is_colab_only(test: ast.expr) -> bool:
    return any(isinstance(node, ast.Constant) and node.value == "google.colab" for node in ast.walk(test))


class _QuickPathScanner(ast.NodeVisitor):
    """Collects what could touch the network in the code a chapter runs with FULL_SCALE = False."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
        if _is_full_scale(node.test) or _is_colab_only(node.test):
            branches = [node.orelse]
        elif negated and _is_full_scale(node.test.operand):
            branches = [node.body]
        else:
            branches = [node.body, node.orelse]
        for statement in (s for branch in branches for s in branch):
            self.visit(statement)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        for name in names:
            if name.split(".")[0] in NETWORK_MODULES or name.startswith("urllib.request"):
                self.found.append(f"import {name}")

    visit_ImportFrom = visit_Import

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        source = ast.unparse(node)[:80]
        if name in NETWORK_CALLS or (isinstance(func, ast.Attribute) and ast.unparse(func.value) in NETWORK_MODULES | {"torch.hub"}):
            self.found.append(source)
        if name in ("system", "run_line_magic") and "get_ipython" in ast.unparse(func):
            self.found.append(source)  # !wget, %pip … outside a Colab-only branch
        for keyword in node.keywords:
            value = keyword.value
            is_true = isinstance(value, ast.Constant) and value.value is True
            if keyword.arg in ("download", "pretrained") and is_true:
                self.found.append(source)
            if keyword.arg == "weights" and not (isinstance(value, ast.Constant) and value.value is None):
                self.found.append(source)
        self.generic_visit(node)


def _quick_path_network_calls(cell_source: str) -> list[str]:
    from IPython.core.inputtransformer2 import TransformerManager

    scanner = _QuickPathScanner()
    scanner.visit(ast.parse(TransformerManager().transform_cell(cell_source)))
    return scanner.found


@pytest.mark.parametrize("source, flagged", [
    ('anc.cifar10("data", download=True)', True),
    ("if FULL_SCALE:\n    anc.cifar10('data', download=True)", False),
    ("if FULL_SCALE and ROOT:\n    x = 1\nelse:\n    anc.cifar10('data', download=True)", True),
    ("if not FULL_SCALE:\n    pass\nelse:\n    w.get_state_dict(progress=True)", False),
    ("if not FULL_SCALE:\n    w.get_state_dict(progress=True)", True),
    ("import urllib.request\nurllib.request.urlopen('https://x')", True),
    ("import requests", True),
    ("torchvision.models.alexnet(weights='DEFAULT')", True),
    ("torchvision.models.alexnet(weights=None)", False),
    ("torchvision.models.alexnet(pretrained=False)", False),
    ("torch.hub.load('pytorch/vision', 'alexnet')", True),
    ("!wget https://example.com/x.tgz", True),
    ('if "google.colab" in sys.modules:\n    %pip install alexnet_core', False),
])
def test_quick_path_scanner_flags_network_use(source, flagged):
    assert bool(_quick_path_network_calls(source)) is flagged


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_chapters_quick_path_never_touches_the_network(chapter):
    """nbval runs chapters in a separate kernel that the conftest's socket block does not reach, so
    check statically: outside `if FULL_SCALE` (and Colab-only) branches there is no download."""
    code = [c for c in json.loads(chapter.read_text())["cells"] if c["cell_type"] == "code"]
    assert re.search(r"^FULL_SCALE = False\b", "".join(code[0]["source"]), flags=re.M), "quick path must be the default"
    found = {i: hits for i, cell in enumerate(code) if (hits := _quick_path_network_calls("".join(cell["source"])))}
    assert not found, f"code cells that may download on the quick path: {found}"


# ---------------------------------------------------------------- 3. reproducibility

def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_same_seed_gives_bit_identical_augmentation_draws():
    a, b, c = (anc.sample_crop_flip(64, (40, 36), 32, generator=_seeded(s)) for s in (7, 7, 8))
    for name in ("tops", "lefts", "flips"):
        assert torch.equal(getattr(a, name), getattr(b, name))
    assert not all(torch.equal(getattr(a, n), getattr(c, n)) for n in ("tops", "lefts", "flips"))
    eigvals = torch.tensor([0.3, 0.05, 0.01])
    x, y, z = (anc.sample_lighting(64, eigvals, generator=_seeded(s)) for s in (7, 7, 8))
    assert torch.equal(x, y) and not torch.equal(x, z)
    images = torch.rand(4, 3, 12, 12, generator=_seeded(0))
    fused = [anc.augment_batch(images, 8, eigvals=eigvals, eigvecs=torch.eye(3), generator=_seeded(3)) for _ in range(2)]
    assert torch.equal(*fused)


def _deterministic(history: anc.History) -> dict:
    record = history.as_dict()
    del record["seconds"], record["images_per_second"]  # wall-clock: never reproducible
    return record


def _net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))


def _data(n: int = 48, seed: int = 1) -> TensorDataset:
    g = _seeded(seed)
    return TensorDataset(torch.rand(n, 3, 8, 8, generator=g), torch.randint(0, 3, (n,), generator=g))


def _crop(images: torch.Tensor) -> torch.Tensor:
    return anc.random_crop_flip(images, 6)  # global RNG: checkpointed and reseeded by train()


def _centre(images: torch.Tensor) -> torch.Tensor:
    return images[..., 1:7, 1:7]


CONFIG = anc.TrainConfig(epochs=4, batch_size=16, lr=0.05, progress=False)


def test_same_seed_gives_bit_identical_training_on_cpu():
    runs = []
    for _ in range(2):
        model = _net()
        history = anc.train(model, _data(), _data(24, seed=2), CONFIG, device="cpu", augment=_crop, test_augment=_centre)
        runs.append((_deterministic(history), model.state_dict()))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1].values(), runs[1][1].values()))
    other = anc.train(_net(), _data(), None, anc.TrainConfig(epochs=1, batch_size=16, lr=0.05, seed=1, progress=False),
                      device="cpu", augment=_crop)
    assert _deterministic(other)["train_loss"] != runs[0][0]["train_loss"][:1]


def test_offline_shapes_are_identical_across_constructions():
    a, b = anc.OfflineShapes(24, image_size=16, seed=3), anc.OfflineShapes(24, image_size=16, seed=3)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    lazy = anc.OfflineShapes(24, image_size=16, seed=3, eager=False)
    assert all(torch.equal(lazy[i][0], a[i][0]) and lazy[i][1] == a[i][1] for i in (0, 11, 23))
    assert not torch.equal(anc.OfflineShapes(24, image_size=16, seed=4).images, a.images)


# ---------------------------------------------------------------- 4. safe files

def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.fixture(scope="module")
def straight_run():
    model = _net()
    history = anc.train(model, _data(), _data(24, seed=2), CONFIG, device="cpu", augment=_crop, test_augment=_centre)
    return model, _deterministic(history)


def _resume_and_compare(path: Path, straight_run) -> None:
    straight_model, straight_history = straight_run
    resumed_model = _net(seed=99)  # another init: the checkpoint must overwrite it
    resumed = anc.train(resumed_model, _data(), _data(24, seed=2), CONFIG, device="cpu", augment=_crop,
                        test_augment=_centre, callback=anc.Checkpointer(path, resume=True))
    assert _deterministic(resumed) == straight_history
    assert _same_weights(resumed_model, straight_model)


def test_keyboard_interrupt_from_a_callback_leaves_a_resumable_checkpoint(tmp_path, straight_run):
    def interrupt_after_epoch_2(history):
        if len(history) == 2:
            raise KeyboardInterrupt

    path = tmp_path / "run.pt"
    model = _net()
    with pytest.raises(KeyboardInterrupt):
        anc.train(model, _data(), _data(24, seed=2), CONFIG, device="cpu", augment=_crop, test_augment=_centre,
                  callback=[interrupt_after_epoch_2, anc.Checkpointer(path)])
    assert model.training, "train/eval flags are restored even when interrupted"
    saved = anc.load_checkpoint(path)  # weights_only=True load of the last finished epoch
    assert saved["epoch"] == 2 and saved["history"]["epoch"] == [1, 2]
    fresh = _net(seed=5)
    fresh.load_state_dict(saved["model"])
    assert _same_weights(fresh, model)  # the interrupt came after the save: file == model in memory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]
    _resume_and_compare(path, straight_run)


def test_keyboard_interrupt_while_writing_a_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch, straight_run):
    real_save, calls = torch.save, []

    def save_interrupted_on_epoch_3(obj, file, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            file.write(b"half a checkpoint")
            raise KeyboardInterrupt
        return real_save(obj, file, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_interrupted_on_epoch_3)
    path = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        anc.train(_net(), _data(), _data(24, seed=2), CONFIG, device="cpu", augment=_crop, test_augment=_centre,
                  callback=anc.Checkpointer(path))
    monkeypatch.setattr(torch, "save", real_save)
    assert anc.load_checkpoint(path)["epoch"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"], "no temporary file left behind"
    _resume_and_compare(path, straight_run)


# ---------------------------------------------------------------- 5. the Colab set-up cell

class _RecordingShell:
    """Stands in for IPython's shell: records magics and shell escapes instead of running them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def run_line_magic(self, name: str, line: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, line))

    def system(self, command: str) -> None:
        self.calls.append(("system", command))


def _setup_source(chapter: Path) -> str:
    code = [c for c in json.loads(chapter.read_text())["cells"] if c["cell_type"] == "code"]
    return "".join(code[0]["source"])


def _run_setup_twice(source: str) -> tuple[_RecordingShell, list[dict]]:
    from IPython.core.inputtransformer2 import TransformerManager

    shell = _RecordingShell()
    code = compile(TransformerManager().transform_cell(source), "<set-up cell>", "exec")
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell}
    states = []
    for _ in range(2):
        exec(code, namespace)
        states.append({key: namespace[key] for key in ("FULL_SCALE", "device", "anc")})
    return shell, states


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_setup_cell_is_idempotent_and_silent_outside_colab(chapter, monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    shell, (first, second) = _run_setup_twice(_setup_source(chapter))
    assert shell.calls == []
    assert first == second and first["FULL_SCALE"] is False and first["anc"] is anc
    assert first["device"] == anc.pick_device()
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and printed[0] == printed[1]


def _requirement_names(pip_line: str) -> list[str]:
    return [re.match(r"[A-Za-z0-9_.-]+", token).group(0).lower()
            for token in shlex.split(pip_line)[1:] if not token.startswith("-")]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_setup_cell_on_colab_installs_only_alexnet_core(chapter, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "alexnet_core" else real_find_spec(name, *a, **k))
    shell, _ = _run_setup_twice(_setup_source(chapter))
    assert [name for name, _ in shell.calls] == ["pip", "pip"]
    line = shell.calls[0][1]
    assert shlex.split(line)[0] == "install"
    assert _requirement_names(line) == ["alexnet_core"]
    assert not re.search(r"\btorch(vision|audio)?\b", line), line
    assert not {"-U", "--upgrade", "--force-reinstall"} & set(shlex.split(line)), "must keep Colab's torch"


def test_package_needs_only_a_lower_bound_on_torch():
    """pip keeps Colab's preinstalled torch only if alexnet_core's requirement already accepts it."""
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {re.match(r"[A-Za-z0-9_.-]+", r).group(0): r for r in requirements}
    for name in ("torch", "torchvision"):
        assert re.fullmatch(rf"{name}\s*>=\s*[\d.]+", pins[name]), pins[name]
