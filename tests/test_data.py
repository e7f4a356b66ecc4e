"""Tests for alexnet_core.data: the offline procedural dataset, loaders, CIFAR-10, image folders, photos."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from alexnet_core.data import (
    CIFAR10_CLASSES,
    SAMPLE_PHOTOS,
    SHAPE_CLASSES,
    OfflineShapes,
    cifar10,
    image_folder,
    make_loaders,
    offline_dataset,
    sample_photo,
    sample_photos,
)

# ---------------------------------------------------------------- OfflineShapes


def test_same_seed_gives_bit_identical_data_and_another_seed_does_not():
    a, b = OfflineShapes(200, seed=7), OfflineShapes(200, seed=7)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    c = OfflineShapes(200, seed=8)
    assert not torch.equal(a.images, c.images)
    assert not torch.equal(a.labels, c.labels)


def test_train_and_test_splits_are_different_draws():
    train, test = OfflineShapes(100, split="train"), OfflineShapes(100, split="test")
    distances = torch.cdist(train.images.flatten(1), test.images.flatten(1))  # (100, 100)
    assert distances.min() > 1.0  # no test image repeats a training image
    # seed and split are combined injectively: seed 0 "test" is not seed 1 "train"
    assert not torch.equal(test.images, OfflineShapes(100, split="train", seed=1).images)


def test_shapes_dtypes_ranges_and_items():
    data = OfflineShapes(50, image_size=24, num_classes=4)
    assert len(data) == 50
    assert data.images.shape == (50, 3, 24, 24) and data.images.dtype == torch.float32
    assert data.labels.shape == (50,) and data.labels.dtype == torch.long
    assert 0 <= data.images.min() and data.images.max() <= 1
    assert data.classes == list(SHAPE_CLASSES[:4])
    image, label = data[3]
    assert isinstance(label, int) and label == int(data.labels[3])
    torch.testing.assert_close(image, data.images[3], rtol=0, atol=0)
    torch.testing.assert_close(data[-1][0], data.images[49], rtol=0, atol=0)
    with pytest.raises(IndexError, match="index must be in"):
        data[50]


@pytest.mark.parametrize("num_classes", [2, 3, 10])
def test_labels_are_balanced_and_cover_every_class(num_classes):
    data = OfflineShapes(101, num_classes=num_classes)
    counts = torch.bincount(data.labels, minlength=num_classes)
    assert len(counts) == num_classes  # no label outside [0, num_classes)
    assert counts.max() - counts.min() <= 1
    assert len(set(data.labels[:30].tolist())) > 1  # shuffled, not sorted by class


def test_lazy_256_path_renders_per_index_and_matches_eager_rendering():
    lazy = OfflineShapes(6, image_size=256, seed=2)
    assert lazy.images is None and not lazy.eager
    image, label = lazy[4]
    assert image.shape == (3, 256, 256) and image.dtype == torch.float32
    assert 0 <= image.min() and image.max() <= 1
    eager = OfflineShapes(6, image_size=256, seed=2, eager=True)
    assert eager.images.shape == (6, 3, 256, 256)
    for i in range(6):  # an image depends only on its index, not on how it was rendered
        torch.testing.assert_close(lazy[i][0], eager.images[i], rtol=0, atol=0)
    assert torch.equal(lazy.labels, eager.labels)


def test_small_images_can_be_rendered_lazily_with_identical_pixels():
    eager, lazy = OfflineShapes(40, seed=5), OfflineShapes(40, seed=5, eager=False)
    assert lazy.images is None
    torch.testing.assert_close(torch.stack([lazy[i][0] for i in range(40)]), eager.images, rtol=0, atol=0)


def test_solid_shapes_cover_their_centre_with_the_object_colour():
    # classes 0-2 (disc, square, triangle) all contain their centre; compare that pixel with the
    # drawn object colour, allowing 5 sigma of the image's pixel noise.
    data = OfflineShapes(300, image_size=64, num_classes=3, seed=4)
    p = data._params
    checked = 0
    for i in range(len(data)):
        if p["occluded"][i]:
            continue
        column, row = ((p["centre"][i] + 1) / 2 * 64).long().tolist()  # image units -> pixel index
        pixel = data.images[i, :, row, column]
        expected = p["object_colour"][i]
        tolerance = 5 * float(p["noise_std"][i])
        within = (pixel - expected).abs() <= tolerance
        clipped = (expected + tolerance >= 1) | (expected - tolerance <= 0)  # clamping to [0, 1] allowed
        assert bool((within | clipped).all()), (i, pixel, expected)
        checked += 1
    assert checked > 200


def test_colour_alone_does_not_give_away_the_class():
    # Nearest class mean on each image's average colour (3 numbers): near chance (90% error).
    train, test = OfflineShapes(2000, seed=1), OfflineShapes(500, seed=1, split="test")
    colour, test_colour = train.images.mean(dim=(2, 3)), test.images.mean(dim=(2, 3))  # (N, 3)
    means = torch.stack([colour[train.labels == k].mean(0) for k in range(10)])  # (10, 3)
    predicted = torch.cdist(test_colour, means).argmin(1)
    assert (predicted != test.labels).float().mean() > 0.75


def test_data_is_not_trivially_separable_by_nearest_class_mean():
    # A nearest-class-mean classifier on raw pixels: 10 classes, chance is 90% error.
    train, test = OfflineShapes(2000, split="train"), OfflineShapes(500, split="test")
    means = torch.stack([train.images[train.labels == k].mean(0) for k in range(10)]).flatten(1)
    predicted = torch.cdist(test.images.flatten(1), means).argmin(1)
    error = (predicted != test.labels).float().mean().item()
    assert error > 0.6


def test_offline_dataset_defaults_and_overrides():
    train, test = offline_dataset("train"), offline_dataset("test")
    assert (len(train), len(test)) == (5000, 1000)
    assert train.split == "train" and test.split == "test"
    small = offline_dataset("test", num_images=8, image_size=16, seed=3)
    assert small.images.shape == (8, 3, 16, 16)
    torch.testing.assert_close(small.images, OfflineShapes(8, image_size=16, seed=3, split="test").images)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_images": 0}, ValueError, "num_images must be a positive int, got 0"),
        ({"num_images": 2.0}, TypeError, "num_images must be an int"),
        ({"image_size": 0}, ValueError, "image_size must be >= 8, got 0"),
        ({"num_classes": 1}, ValueError, "num_classes must be >= 2, got 1"),
        ({"num_classes": 11}, ValueError, "num_classes must be <= 10, got 11"),
        ({"split": "val"}, ValueError, "split must be one of 'train', 'test', got 'val'"),
        ({"seed": -1}, ValueError, "seed must be >= 0, got -1"),
        ({"eager": "yes"}, TypeError, "eager must be a bool or None"),
    ],
)
def test_offline_shapes_rejects_bad_arguments(kwargs, error, match):
    num_images = kwargs.pop("num_images", 4)
    with pytest.raises(error, match=match):
        OfflineShapes(num_images, **kwargs)


def test_offline_dataset_rejects_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        offline_dataset("validation")


# ---------------------------------------------------------------- loaders


def test_make_loaders_shuffles_reproducibly_and_keeps_test_order():
    train, test = OfflineShapes(64, seed=0), OfflineShapes(20, split="test")

    def first_epoch(seed):
        loader, _ = make_loaders(train, test, batch_size=16, seed=seed)
        return torch.cat([labels for _, labels in loader])

    assert torch.equal(first_epoch(3), first_epoch(3))
    assert not torch.equal(first_epoch(3), first_epoch(4))
    assert sorted(first_epoch(3).tolist()) == sorted(train.labels.tolist())  # a permutation
    _, test_loader = make_loaders(train, test, batch_size=8)
    images, labels = next(iter(test_loader))
    assert images.shape == (8, 3, 32, 32)
    torch.testing.assert_close(images, test.images[:8], rtol=0, atol=0)
    torch.testing.assert_close(labels, test.labels[:8], rtol=0, atol=0)


def test_make_loaders_rejects_bad_batch_size():
    data = OfflineShapes(4)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        make_loaders(data, data, batch_size=0)


# ---------------------------------------------------------------- CIFAR-10


def _write_fake_cifar(root, per_batch=2):
    """Write a tiny cifar-10-batches-py in the real pickle format; return {file name: (data, labels)}."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)  # rows: 1024 R, 1024 G, 1024 B
        labels = rng.integers(0, 10, size=per_batch).tolist()
        with open(folder / name, "wb") as file:
            pickle.dump({"batch_label": name, "data": data, "labels": labels, "filenames": []}, file)
        written[name] = (data, labels)
    with open(folder / "batches.meta", "wb") as file:
        pickle.dump({"label_names": list(CIFAR10_CLASSES), "num_cases_per_batch": per_batch}, file)
    return written


def test_cifar10_missing_data_says_where_it_looked_and_how_to_fix_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True") as info:
        cifar10(tmp_path, download=False)
    assert str(tmp_path.resolve()) in str(info.value)
    assert "cifar-10-batches-py" in str(info.value)


def test_cifar10_loads_local_files_as_float_tensors(tmp_path, monkeypatch):
    written = _write_fake_cifar(tmp_path)
    # torchvision checks the real files' MD5 sums; the fake files cannot match them.
    monkeypatch.setattr("torchvision.datasets.cifar.check_integrity", lambda *args, **kwargs: True)
    train, test = cifar10(tmp_path, train=True), cifar10(tmp_path, train=False)
    assert (len(train), len(test)) == (10, 2)
    assert tuple(train.classes) == CIFAR10_CLASSES
    data, labels = written["data_batch_3"]
    image, label = train[5]  # the second image of the third batch
    expected = torch.from_numpy(data[1].reshape(3, 32, 32)).float() / 255
    assert type(image) is torch.Tensor and image.dtype == torch.float32
    torch.testing.assert_close(image, expected, rtol=0, atol=1e-6)
    assert label == labels[1]
    data, labels = written["test_batch"]
    torch.testing.assert_close(test[0][0], torch.from_numpy(data[0].reshape(3, 32, 32)).float() / 255)
    custom = cifar10(tmp_path, transform=lambda pil: pil.size)
    assert custom[0][0] == (32, 32)


def test_cifar10_corrupted_files_raise_a_clear_error(tmp_path):
    _write_fake_cifar(tmp_path)  # right names, wrong MD5 sums
    with pytest.raises(ValueError, match="MD5"):
        cifar10(tmp_path)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((5,), {}, TypeError, r"root must be a folder path \(str or os\.PathLike\), got 5 \(int\)"),
        (("data",), {"train": 1}, TypeError, r"train must be True or False, got 1 \(int\)"),
        (("data",), {"download": "no"}, TypeError, r"download must be True or False, got 'no' \(str\)"),
        (("data",), {"transform": "to_tensor"}, TypeError, r"transform must be callable or None, got 'to_tensor'"),
    ],
)
def test_cifar10_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        cifar10(*args, **kwargs)


def test_cifar10_failed_download_says_what_to_do_offline_and_leaves_nothing_behind(tmp_path, monkeypatch):
    import urllib.error

    def fail(url, download_root, filename, md5):
        (tmp_path / filename).write_bytes(b"partial")  # what an interrupted download leaves
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr("torchvision.datasets.utils.download_and_extract_archive", fail)
    with pytest.raises(ConnectionError, match=r"could not download CIFAR-10 \(network: URLError.*put cifar-10-batches-py"):
        cifar10(tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found"):
        cifar10(tmp_path)


# ---------------------------------------------------------------- image folders


def test_image_folder_resizes_shorter_side_and_centre_crops(tmp_path):
    colours = {"cat": (200, 30, 10), "dog": (10, 120, 250)}
    for name, colour in colours.items():
        (tmp_path / name).mkdir()
        for j, (width, height) in enumerate([(60, 40), (30, 50)]):
            Image.new("RGB", (width, height), colour).save(tmp_path / name / f"{j}.png")
    # one image whose left and right thirds are cut away by the centre crop
    stripes = np.zeros((40, 120, 3), dtype=np.uint8)
    stripes[:, :40] = 255
    stripes[:, 80:] = 255
    Image.fromarray(stripes).save(tmp_path / "cat" / "2.png")
    data = image_folder(tmp_path, image_size=32)
    assert data.classes == ["cat", "dog"] and len(data) == 5
    for image, label in data:
        assert image.shape == (3, 32, 32) and image.dtype == torch.float32
    for i in (0, 1, 3, 4):  # uniform images keep their colour exactly (up to 8-bit rounding)
        image, label = data[i]
        expected = torch.tensor(colours[data.classes[label]]).float().view(3, 1, 1) / 255
        torch.testing.assert_close(image, expected.expand(3, 32, 32), rtol=0, atol=1 / 255)
    centre, _ = data[2]  # 40×120 -> 32×96 -> middle 32 columns, all black
    torch.testing.assert_close(centre[:, :, 2:-2], torch.zeros(3, 32, 28), rtol=0, atol=2 / 255)


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="existing folder"):
        image_folder(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="one subfolder per class"):
        image_folder(tmp_path)
    with pytest.raises(ValueError, match="image_size must be a positive int, got 0"):
        image_folder(tmp_path, image_size=0)
    with pytest.raises(TypeError, match=r"root must be a folder path \(str or os\.PathLike\), got 5 \(int\)"):
        image_folder(5)
    with pytest.raises(TypeError, match="transform must be callable or None, got 3"):
        image_folder(tmp_path, transform=3)


# ---------------------------------------------------------------- sample photos


def test_sample_photo_matches_the_bundled_file():
    skimage_data = pytest.importorskip("skimage.data")
    photo = sample_photo("astronaut")
    assert photo.shape == (3, 512, 512) and photo.dtype == torch.float32
    expected = torch.from_numpy(skimage_data.astronaut()).permute(2, 0, 1).float() / 255
    torch.testing.assert_close(photo, expected, rtol=0, atol=0)
    chelsea = sample_photo("chelsea")
    assert chelsea.shape == (3, 300, 451)


def test_grace_hopper_loads_from_matplotlib_sample_data():
    photo = sample_photo("grace_hopper")
    assert photo.ndim == 3 and photo.shape[0] == 3 and min(photo.shape[1:]) > 100
    assert photo.dtype == torch.float32 and 0 <= photo.min() and photo.max() <= 1
    assert photo.std() > 0.1  # a photograph, not a blank


def test_sample_photo_resize_and_centre_crop():
    pytest.importorskip("skimage")
    full = sample_photo("astronaut")
    half = sample_photo("astronaut", size=256)
    assert half.shape == (3, 256, 256)
    # 512 -> 256 is an exact 2× downscale: close to 2×2 block averages
    reference = F.avg_pool2d(full.unsqueeze(0), 2)[0]
    assert (half - reference).abs().mean() < 0.02
    cropped = sample_photo("chelsea", size=300)  # shorter side already 300: a pure centre crop
    assert cropped.shape == (3, 300, 300)
    chelsea = sample_photo("chelsea")
    offsets = [o for o in (75, 76) if torch.allclose(cropped, chelsea[:, :, o : o + 300], atol=1e-6)]
    assert offsets, "size=300 on a 300×451 photo must be its central 300×300 crop"


def test_sample_photos_stacks_every_photo():
    pytest.importorskip("skimage")
    photos = sample_photos(size=48)
    assert photos.shape == (len(SAMPLE_PHOTOS), 3, 48, 48)
    assert 0 <= photos.min() and photos.max() <= 1
    torch.testing.assert_close(photos[1], sample_photo(SAMPLE_PHOTOS[1], size=48))


def test_sample_photo_errors():
    with pytest.raises(ValueError, match="name must be one of 'astronaut', 'chelsea'.*got 'lena'"):
        sample_photo("lena")
    with pytest.raises(ValueError, match="size must be a positive int, got 0"):
        sample_photo("grace_hopper", size=0)


# ---------------------------------------------------------------- centred: §2's mean image off a whole dataset (was test_centring.py)

import pytest
import torch
from torch.utils.data import TensorDataset

import alexnet_core as anc
from alexnet_core import data as centring


class Pairs(torch.utils.data.Dataset):
    """A dataset without .images / .labels, like torchvision's CIFAR10."""

    def __init__(self, images, labels):
        self.items = list(zip(images, labels.tolist()))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def test_centred_subtracts_the_training_mean_image():
    train, test = anc.quick_data(40, 10)
    centred_train, mean = centring.centred(train)
    torch.testing.assert_close(mean, train.images.mean(dim=0))
    images, labels = centred_train.tensors
    torch.testing.assert_close(images, train.images - mean)
    assert torch.equal(labels, train.labels)
    torch.testing.assert_close(images.mean(dim=0), torch.zeros_like(mean), atol=1e-6, rtol=0)
    centred_test, same = centring.centred(test, mean)
    assert same is mean
    torch.testing.assert_close(centred_test.tensors[0], test.images - mean)


def test_datasets_without_tensors_are_read_item_by_item():
    images, labels = torch.rand(6, 3, 4, 4), torch.arange(6)
    read_images, read_labels = centring.as_tensors(Pairs(images, labels))
    assert torch.equal(read_images, images) and torch.equal(read_labels, labels)
    centred_set, mean = centring.centred(Pairs(images, labels))
    assert isinstance(centred_set, TensorDataset)
    torch.testing.assert_close(mean, images.mean(dim=0))


def test_errors():
    with pytest.raises(ValueError, match="empty"):
        centring.as_tensors(Pairs(torch.rand(0, 3, 4, 4), torch.arange(0)))
    with pytest.raises(ValueError, match="mean"):
        centring.centred(Pairs(torch.rand(2, 3, 4, 4), torch.arange(2)), torch.zeros(3, 5, 5))
    with pytest.raises(TypeError, match="dataset"):
        centring.as_tensors(object())


# ---------------------------------------------------------------- small_task: a few classes, mean image off (was test_subsets.py)


import pytest
import torch
from torch.utils.data import TensorDataset

from alexnet_core.data import OfflineShapes
from alexnet_core.data import small_task


def labelled(n, seed):
    generator = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.rand(n, 3, 4, 4, generator=generator), torch.arange(n) % 5)


def test_classes_are_selected_renumbered_and_centred_with_the_training_mean():
    train, test = labelled(50, 0), labelled(20, 1)
    train_set, test_set = small_task(train, test, [3, 1], train_per_class=4, test_per_class=2)
    images, labels = train_set.tensors
    rows = torch.tensor([1, 3, 6, 8, 11, 13, 16, 18])  # first four of class 1 and of class 3, in order
    expected = train.tensors[0][rows]
    mean = expected.mean(dim=0)
    torch.testing.assert_close(images, expected - mean)
    assert labels.tolist() == [1, 0, 1, 0, 1, 0, 1, 0]  # class 3 -> 0, class 1 -> 1
    test_rows = torch.tensor([1, 3, 6, 8])
    torch.testing.assert_close(test_set.tensors[0], test.tensors[0][test_rows] - mean)
    assert test_set.tensors[1].tolist() == [1, 0, 1, 0]


def test_without_mean_subtraction_and_without_limits_keeps_everything_of_those_classes():
    train, test = labelled(30, 2), labelled(10, 3)
    train_set, test_set = small_task(train, test, [0, 4], subtract_mean=False)
    assert len(train_set) == 12 and len(test_set) == 4
    torch.testing.assert_close(train_set.tensors[0], train.tensors[0][train.tensors[1] % 4 == 0])


def test_offline_shapes_and_the_originals_are_untouched():
    train, test = OfflineShapes(60, seed=0), OfflineShapes(40, seed=0, split="test")
    before = train.images.clone()
    train_set, test_set = small_task(train, test, [5, 6, 7, 8], train_per_class=3, test_per_class=2)
    assert len(train_set) == 12 and len(test_set) == 8
    assert sorted(train_set.tensors[1].tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert torch.equal(train.images, before)
    assert abs(float(train_set.tensors[0].mean())) < 1e-6


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        return self.base[index]


def test_a_generic_dataset_is_read_item_by_item():
    train, test = labelled(20, 4), labelled(10, 5)
    a = small_task(ListDataset(train), ListDataset(test), [2])
    b = small_task(train, test, [2])
    torch.testing.assert_close(a[0].tensors[0], b[0].tensors[0])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: small_task(labelled(10, 0), labelled(10, 1), []), ValueError, "classes must list at least one"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1, 1]), ValueError, "each once"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [-1]), ValueError, r"classes\[i\] must be >= 0"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1], train_per_class=3), ValueError, "only 2 images of class 1"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1], test_per_class=0), ValueError, "test_per_class must be a positive int"),
        (lambda: small_task([1, 2], labelled(10, 1), [1]), TypeError, r"train_data must yield \(image, label\) pairs, got an item of type int"),
        (lambda: small_task(labelled(10, 0), labelled(10, 1), [1], subtract_mean=1), TypeError, "subtract_mean must be True or False"),
    ],
)
def test_small_task_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
