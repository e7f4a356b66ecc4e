"""Tests for alexnet_core.augment: §4.1's crops, reflections and fancy-PCA lighting, §2's mean image.

References are independent: plain slicing and ``torch.flip`` for crops, a Python loop over crops for
ten-crop prediction, ``numpy.linalg.eigh`` on the reshaped pixels for the PCA, the formula for the
lighting shift, torchvision's ``ten_crop`` for the crop order.
"""

import numpy as np
import pytest
import torch

from alexnet_core import augment
from alexnet_core.augment import (
    CropFlipParams,
    augment_batch,
    crop_flip,
    fit_pca,
    lighting_shift,
    mean_image,
    pca_lighting,
    random_crop_flip,
    sample_crop_flip,
    sample_lighting,
    subtract_mean,
    ten_crop,
    ten_crop_predict,
)

EXACT = dict(rtol=0, atol=0)
CLOSE32 = dict(rtol=1e-5, atol=1e-6)


def images(n=5, h=20, w=24, *, seed=0, dtype=torch.float32, channels=3):
    return torch.rand(n, channels, h, w, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def crop_reference(x, params):
    """Slice each window by hand and flip it with torch.flip."""
    c = params.crop_size
    crops = []
    for image, top, left, flip in zip(x, params.tops.tolist(), params.lefts.tolist(), params.flips.tolist()):
        crop = image[:, top:top + c, left:left + c]
        crops.append(torch.flip(crop, dims=[-1]) if flip else crop)
    return torch.stack(crops)


# ---------------------------------------------------------------------------------------- crops


def test_sample_crop_flip_types_ranges_and_reproducibility():
    params = sample_crop_flip(64, (20, 24), 16, generator=generator(3))
    assert params.tops.dtype == torch.long and params.lefts.dtype == torch.long and params.flips.dtype == torch.bool
    assert len(params) == 64 and params.crop_size == 16
    assert 0 <= int(params.tops.min()) and int(params.tops.max()) <= 20 - 16
    assert 0 <= int(params.lefts.min()) and int(params.lefts.max()) <= 24 - 16
    again = sample_crop_flip(64, (20, 24), 16, generator=generator(3))
    for name in ("tops", "lefts", "flips"):
        torch.testing.assert_close(getattr(again, name), getattr(params, name), **EXACT)
    other = sample_crop_flip(64, (20, 24), 16, generator=generator(4))
    assert not all(torch.equal(getattr(other, n), getattr(params, n)) for n in ("tops", "lefts", "flips"))


def test_offsets_cover_every_valid_position_uniformly():
    # 256 → 224 has 33 valid offsets per axis (0 … 32 inclusive), not the paper's 32.
    params = sample_crop_flip(20_000, 256, 224, generator=generator(0))
    for offsets in (params.tops, params.lefts):
        counts = torch.bincount(offsets, minlength=33)
        assert len(counts) == 33 and int(counts.min()) > 0  # both extremes, 0 and 32, occur
        expected = 20_000 / 33
        assert float(((counts - expected) ** 2 / expected).sum()) < 80  # chi² with 32 d.o.f.; p ≈ 1e-5
    assert 0.47 < params.flips.float().mean().item() < 0.53


def test_flip_probability_extremes():
    assert not sample_crop_flip(50, 8, 4, flip_probability=0.0, generator=generator()).flips.any()
    assert sample_crop_flip(50, 8, 4, flip_probability=1.0, generator=generator()).flips.all()


def use_path(path, monkeypatch, request):
    """Force one of augment's implementations: the CPU loop on one thread, or the gather."""
    if path == "gather":
        monkeypatch.setattr(augment, "_crop_flip_loop", augment._crop_flip_gather)


@pytest.mark.parametrize("path", ["default", "gather"])
def test_crop_flip_equals_slicing_and_torch_flip(path, monkeypatch, request):
    use_path(path, monkeypatch, request)
    x = images(6, 20, 24)
    params = sample_crop_flip(6, (20, 24), 16, generator=generator(1))
    params = CropFlipParams(params.tops, params.lefts, torch.tensor([True, False] * 3), 16)  # both kinds
    out = crop_flip(x, params)
    assert out.shape == (6, 3, 16, 16) and out.is_contiguous()
    torch.testing.assert_close(out, crop_reference(x, params), **EXACT)


def test_crop_flip_extreme_windows_and_full_size_crop():
    x = images(2, 10, 12)
    params = CropFlipParams(torch.tensor([0, 4]), torch.tensor([5, 0]), torch.tensor([False, True]), 6)
    torch.testing.assert_close(crop_flip(x, params), crop_reference(x, params), **EXACT)
    whole = CropFlipParams(torch.zeros(2, dtype=torch.long), torch.zeros(2, dtype=torch.long), torch.tensor([True, False]), 10)
    torch.testing.assert_close(crop_flip(x[..., :10], whole), torch.stack([x[0, ..., :10].flip(-1), x[1, ..., :10]]), **EXACT)


def test_random_crop_flip_uses_sample_crop_flip_draws():
    x = images(8, 20, 20)
    out = random_crop_flip(x, 12, generator=generator(7))
    params = sample_crop_flip(8, 20, 12, generator=generator(7))
    torch.testing.assert_close(out, crop_reference(x, params), **EXACT)


def test_crop_flip_works_on_float64_and_non_contiguous_input():
    x = images(4, 16, 16, dtype=torch.float64).to(memory_format=torch.channels_last)
    params = sample_crop_flip(4, 16, 9, generator=generator(2))
    out = crop_flip(x, params)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, crop_reference(x, params), **EXACT)


# ------------------------------------------------------------------------------------- ten crops


def test_ten_crop_against_manual_slicing_and_order():
    x = images(2, 11, 13)
    c = 6
    out = ten_crop(x, c)
    assert out.shape == (2, 10, 3, c, c)
    top, left = (11 - c) // 2, (13 - c) // 2  # (2, 3): floor for odd differences
    corners = [(0, 0), (0, 13 - c), (11 - c, 0), (11 - c, 13 - c), (top, left)]
    for k, (y, z) in enumerate(corners):
        torch.testing.assert_close(out[:, k], x[:, :, y:y + c, z:z + c], **EXACT)
        torch.testing.assert_close(out[:, k + 5], x[:, :, y:y + c, z:z + c].flip(-1), **EXACT)


def test_ten_crop_matches_torchvision_up_to_the_order_of_mirrored_corners():
    functional = pytest.importorskip("torchvision.transforms.v2.functional")
    x = images(1, 20, 24)
    ours = ten_crop(x, 12)[0]
    theirs = torch.stack(functional.ten_crop(x[0], [12, 12]))
    # torchvision five-crops the mirrored image: its 6th patch is the mirror of the top-right one.
    torch.testing.assert_close(ours[[0, 1, 2, 3, 4, 6, 5, 8, 7, 9]], theirs, **EXACT)


@pytest.mark.parametrize("batch_size", [None, 7, 25])
def test_ten_crop_predict_equals_loop_averaging_softmax(batch_size):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 5)).eval()
    x = images(4, 12, 12)
    probs = ten_crop_predict(model, x, 8, batch_size=batch_size)
    expected = []
    for image in x:
        c = 8
        windows = [image[:, y:y + c, z:z + c] for y, z in [(0, 0), (0, 4), (4, 0), (4, 4), (2, 2)]]
        windows += [w.flip(-1) for w in windows]
        expected.append(sum(torch.softmax(model(w[None]), dim=1)[0] for w in windows) / 10)
    torch.testing.assert_close(probs, torch.stack(expected), **CLOSE32)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(4), **CLOSE32)
    assert not probs.requires_grad


# ------------------------------------------------------------------------------------------ PCA


def test_fit_pca_matches_numpy_eigh_and_reconstructs_covariance():
    x = images(3, 8, 9, dtype=torch.float64)
    x[:, 1] = 0.7 * x[:, 0] + 0.3 * x[:, 1]  # correlated channels, distinct eigenvalues
    eigvals, eigvecs = fit_pca(x)
    pixels = x.permute(0, 2, 3, 1).reshape(-1, 3).numpy()
    cov = np.cov(pixels, rowvar=False)
    reference = np.linalg.eigh(cov)[0][::-1]
    torch.testing.assert_close(eigvals, torch.from_numpy(reference.copy()), rtol=1e-10, atol=1e-12)
    assert bool((eigvals[:-1] >= eigvals[1:]).all())
    torch.testing.assert_close(eigvecs.T @ eigvecs, torch.eye(3, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(eigvecs @ torch.diag(eigvals) @ eigvecs.T, torch.from_numpy(cov), rtol=0, atol=1e-12)
    torch.testing.assert_close(torch.cov(torch.from_numpy(pixels).T) @ eigvecs, eigvecs * eigvals, rtol=0, atol=1e-12)
    largest = eigvecs.gather(0, eigvecs.abs().argmax(dim=0, keepdim=True))
    assert bool((largest > 0).all())  # the sign convention


def test_fit_pca_dtype_single_image_and_sign_stability():
    x = images(2, 10, 10)
    eigvals, eigvecs = fit_pca(x)
    assert eigvals.dtype == eigvecs.dtype == torch.float32 and eigvecs.shape == (3, 3)
    eigvals_one, eigvecs_one = fit_pca(torch.cat([x[0], x[1]], dim=-1))  # (3, H, W): the same pixels
    torch.testing.assert_close(eigvals_one, eigvals, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(eigvecs_one, eigvecs, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(fit_pca(-x + 1)[1], eigvecs, rtol=1e-4, atol=1e-5)  # same covariance


def test_lighting_shift_is_the_papers_formula():
    eigvals = torch.tensor([0.2, 0.05, 0.01], dtype=torch.float64)
    eigvecs = torch.linalg.qr(torch.randn(3, 3, generator=generator(1), dtype=torch.float64))[0]
    alphas = torch.randn(4, 3, generator=generator(2), dtype=torch.float64)
    shift = lighting_shift(alphas, eigvals, eigvecs)
    for n in range(4):
        expected = sum(eigvecs[:, j] * alphas[n, j] * eigvals[j] for j in range(3))  # Σ_j p_j α_j λ_j
        torch.testing.assert_close(shift[n], expected, rtol=1e-12, atol=1e-15)


def test_sample_lighting_reproducible_and_scaled():
    eigvals = torch.ones(3)
    a = sample_lighting(4000, eigvals, 0.1, generator=generator(5))
    torch.testing.assert_close(a, sample_lighting(4000, eigvals, 0.1, generator=generator(5)), **EXACT)
    assert not torch.equal(a, sample_lighting(4000, eigvals, 0.1, generator=generator(6)))
    assert a.shape == (4000, 3) and abs(a.std().item() - 0.1) < 0.005 and abs(a.mean().item()) < 0.005
    assert not sample_lighting(3, eigvals, 0.0, generator=generator()).any()


def test_pca_lighting_adds_one_constant_shift_per_image():
    x = images(4, 9, 7)
    eigvals, eigvecs = fit_pca(x)
    out = pca_lighting(x, eigvals, eigvecs, 0.5, generator(9))
    difference = out - x  # (N, 3, H, W), constant over pixels
    per_image = difference[:, :, :1, :1]
    torch.testing.assert_close(difference, per_image.expand_as(difference), rtol=0, atol=1e-6)
    alphas = sample_lighting(4, eigvals, 0.5, generator=generator(9))
    torch.testing.assert_close(per_image[:, :, 0, 0], lighting_shift(alphas, eigvals, eigvecs), rtol=1e-4, atol=1e-6)
    assert (per_image[0] != per_image[1]).any()  # a fresh α per image
    torch.testing.assert_close(pca_lighting(x, eigvals, eigvecs, alphas=alphas), out, **EXACT)


# -------------------------------------------------------------------------------- fused augment


@pytest.mark.parametrize("path", ["default", "gather"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_augment_batch_equals_crop_flip_then_lighting(path, dtype, monkeypatch, request):
    use_path(path, monkeypatch, request)
    x = images(6, 20, 22, dtype=dtype)
    eigvals, eigvecs = fit_pca(x)
    params = sample_crop_flip(6, (20, 22), 16, generator=generator(1))
    alphas = sample_lighting(6, eigvals, 0.3, generator=generator(2))
    fused = augment_batch(x, 16, eigvals=eigvals, eigvecs=eigvecs, params=params, alphas=alphas)
    composed = pca_lighting(crop_flip(x, params), eigvals, eigvecs, alphas=alphas)
    assert fused.dtype == dtype and fused.shape == (6, 3, 16, 16)
    torch.testing.assert_close(fused, composed, rtol=0, atol=1e-6 if dtype == torch.float32 else 1e-14)


def test_augment_batch_draws_params_then_alphas_from_the_generator():
    x = images(5, 18, 18)
    eigvals, eigvecs = fit_pca(x)
    fused = augment_batch(x, 12, eigvals=eigvals, eigvecs=eigvecs, std=0.2, generator=generator(11))
    g = generator(11)
    composed = pca_lighting(random_crop_flip(x, 12, generator=g), eigvals, eigvecs, 0.2, g)
    torch.testing.assert_close(fused, composed, rtol=0, atol=1e-6)
    no_lighting = augment_batch(x, 12, generator=generator(11))
    torch.testing.assert_close(no_lighting, random_crop_flip(x, 12, generator=generator(11)), **EXACT)
    assert not torch.equal(augment_batch(x, 12, generator=generator(12)), no_lighting)


def test_augment_batch_without_lighting_allows_any_channel_count():
    x = images(3, 10, 10, channels=1)
    params = sample_crop_flip(3, 10, 5, generator=generator())
    torch.testing.assert_close(augment_batch(x, 5, params=params), crop_reference(x, params), **EXACT)


# ----------------------------------------------------------------------------------------- mean


def test_mean_image_and_subtract_mean():
    x = images(4, 6, 5, dtype=torch.float64)
    mean = mean_image(x)
    assert mean.shape == (3, 6, 5)
    torch.testing.assert_close(mean, sum(x[i] for i in range(4)) / 4, rtol=1e-12, atol=1e-15)
    centred = subtract_mean(x, mean)
    torch.testing.assert_close(centred, x - mean[None], **EXACT)
    torch.testing.assert_close(mean_image(centred), torch.zeros(3, 6, 5, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(subtract_mean(x[0], mean), x[0] - mean, **EXACT)


# --------------------------------------------------------------------------------------- errors


def test_errors_for_bad_images():
    params = sample_crop_flip(2, 8, 4, generator=generator())
    with pytest.raises(ValueError, match=r"images must have shape \(N, C, H, W\), got shape \(3, 8, 8\)"):
        crop_flip(torch.rand(3, 8, 8), params)
    with pytest.raises(TypeError, match="images must be a floating-point tensor, got dtype torch.uint8"):
        random_crop_flip(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), 4)
    with pytest.raises(TypeError, match="images must be a torch.Tensor"):
        ten_crop(np.zeros((2, 3, 8, 8), dtype=np.float32), 4)
    eigvals, eigvecs = torch.ones(3), torch.eye(3)
    with pytest.raises(ValueError, match=r"images must have 3 \(RGB\) channels"):
        pca_lighting(torch.rand(2, 1, 8, 8), eigvals, eigvecs)
    with pytest.raises(ValueError, match=r"images must have 3 \(RGB\) channels"):
        augment_batch(torch.rand(2, 1, 8, 8), 4, eigvals=eigvals, eigvecs=eigvecs)
    with pytest.raises(ValueError, match=r"images must have 3 \(RGB\) channels"):
        fit_pca(torch.rand(2, 1, 8, 8))
    with pytest.raises(ValueError, match="images must be finite"):
        fit_pca(torch.tensor(float("nan")).expand(2, 3, 4, 4))
    with pytest.raises(ValueError, match="at least 2 pixels"):
        fit_pca(torch.rand(3, 1, 1))
    with pytest.raises(ValueError, match="images must be a 3-D or 4-D tensor"):
        fit_pca(torch.rand(3, 4))


def test_errors_for_bad_crop_sizes():
    x = torch.rand(2, 3, 8, 10)
    with pytest.raises(ValueError, match=r"crop_size must be <= the image size \(H, W\) = \(8, 10\), got 9"):
        random_crop_flip(x, 9)
    with pytest.raises(ValueError, match="crop_size must be a positive int, got 0"):
        sample_crop_flip(2, 8, 0)
    with pytest.raises(ValueError, match="crop_size must be a positive int, got -3"):
        ten_crop(x, -3)
    with pytest.raises(TypeError, match="crop_size must be an int"):
        augment_batch(x, 4.0)
    with pytest.raises(ValueError, match="crop_size must be <= the image size"):
        ten_crop(x, 9)
    with pytest.raises(TypeError, match="image_size must be an int or a pair"):
        sample_crop_flip(2, (8, 8, 3), 4)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        sample_crop_flip(0, 8, 4)
    with pytest.raises(ValueError, match=r"flip_probability must be in \[0, 1\], got 1.5"):
        sample_crop_flip(2, 8, 4, flip_probability=1.5)


def test_errors_for_bad_params():
    x = torch.rand(2, 3, 8, 8)
    params = sample_crop_flip(3, 8, 4, generator=generator())
    with pytest.raises(ValueError, match=r"params must hold one crop per image \(2\), got 3"):
        crop_flip(x, params)
    with pytest.raises(TypeError, match="params must be a CropFlipParams"):
        crop_flip(x, {"tops": [0, 0]})
    outside = CropFlipParams(torch.tensor([0, 5]), torch.tensor([0, 0]), torch.tensor([False, False]), 4)
    with pytest.raises(ValueError, match="params windows must lie inside the 8×8 images"):
        crop_flip(x, outside)
    with pytest.raises(TypeError, match="tops must have dtype torch.int64"):
        CropFlipParams(torch.tensor([0.0]), torch.tensor([0]), torch.tensor([True]), 4)
    with pytest.raises(ValueError, match="tops, lefts and flips must have the same length"):
        CropFlipParams(torch.tensor([0]), torch.tensor([0, 1]), torch.tensor([True]), 4)
    with pytest.raises(ValueError, match=r"crop_size must equal params.crop_size \(4\), got 6"):
        augment_batch(x, 6, params=sample_crop_flip(2, 8, 4))


def test_errors_for_bad_lighting_arguments():
    x = torch.rand(2, 3, 8, 8)
    eigvals, eigvecs = torch.ones(3), torch.eye(3)
    with pytest.raises(ValueError, match="std must be a finite number >= 0, got -0.1"):
        sample_lighting(2, eigvals, -0.1)
    with pytest.raises(ValueError, match="std must be a finite number >= 0"):
        pca_lighting(x, eigvals, eigvecs, std=-1.0)
    with pytest.raises(ValueError, match=r"eigvecs must have shape \(3, 3\) \(eigenvectors as columns\), got \(3,\)"):
        pca_lighting(x, eigvals, torch.ones(3))
    with pytest.raises(ValueError, match=r"eigvals must have shape \(3,\), got \(3, 3\)"):
        lighting_shift(torch.zeros(2, 3), torch.eye(3), eigvecs)
    with pytest.raises(ValueError, match=r"alphas must have shape \(N, 3\), got \(2, 4\)"):
        lighting_shift(torch.zeros(2, 4), eigvals, eigvecs)
    with pytest.raises(ValueError, match=r"alphas must have one row per image \(2\), got 5"):
        augment_batch(x, 4, eigvals=eigvals, eigvecs=eigvecs, alphas=torch.zeros(5, 3))
    with pytest.raises(ValueError, match="eigvals and eigvecs must be given together"):
        augment_batch(x, 4, eigvals=eigvals)
    with pytest.raises(ValueError, match="alphas needs eigvals and eigvecs"):
        augment_batch(x, 4, alphas=torch.zeros(2, 3))
    with pytest.raises(ValueError, match="eigvecs must be finite"):
        lighting_shift(torch.zeros(2, 3), eigvals, torch.full((3, 3), float("inf")))


def test_errors_for_bad_mean_and_model():
    x = torch.rand(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"mean must have the image shape \(C, H, W\) = \(3, 8, 8\), got \(3, 4, 4\)"):
        subtract_mean(x, torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="images must hold at least one image"):
        mean_image(torch.rand(0, 3, 8, 8))
    with pytest.raises(TypeError, match="model must be callable"):
        ten_crop_predict("alexnet", x, 4)
    with pytest.raises(ValueError, match=r"model must return \(batch, num_classes\) logits"):
        ten_crop_predict(torch.nn.Identity(), x, 4)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        ten_crop_predict(torch.nn.Flatten(), x, 4, batch_size=0)
