"""Tests for alexnet_core.prepared: §2's 256×256 storage and the fused §4.1 batches read from it.

References are independent: torchvision's ``Resize`` + ``CenterCrop`` on each decoded file for the
stored pixels, ``hashlib`` for the checksum, and for the batches ``augment_batch`` applied to
``subtract_mean(x / 255, mean)`` of the same stored images with the same generator state.
"""

import hashlib
import json

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms import functional as F

from alexnet_core import prepared
from alexnet_core.augment import augment_batch, fit_pca, subtract_mean
from alexnet_core.prepared import PreparedBatches, PreparedImages, prepare_folder

pytestmark = pytest.mark.usefixtures("one_thread_module")

SIZE, CROP = 32, 24
CLOSE = dict(
    rtol=0, atol=1e-6
)  # the fused pass multiplies by 1/255 where the reference divides


def make_folder(root, classes=3, per_class=4, *, seed=0):
    """Write a deterministic ImageNet-style folder of small JPEGs (and one PNG) of varied shapes."""
    rng = np.random.default_rng(seed)
    for label in range(classes):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            height, width = 36 + 3 * i, 48 - 2 * label
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            suffix = ".png" if (label, i) == (0, 1) else ".jpg"
            Image.fromarray(pixels).save(folder / f"{i:03d}{suffix}")
    return root


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_folder(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def storage(source, tmp_path_factory):
    return prepare_folder(
        source, tmp_path_factory.mktemp("prepared") / "out", size=SIZE, progress=False
    )


def reference_images(source):
    files = sorted(p for p in source.rglob("*") if p.is_file())
    stack = []
    for path in files:
        with Image.open(path) as image:
            image = F.center_crop(F.resize(image.convert("RGB"), SIZE), SIZE)
        stack.append(torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1))
    labels = [int(p.parent.name.split("_")[1]) for p in files]
    return torch.stack(stack), torch.tensor(labels)


# ------------------------------------------------------------------------------ preparation


def test_round_trip_matches_torchvision_preprocessing(storage, source):
    expected, labels = reference_images(source)
    assert (
        storage.images.shape == (12, 3, SIZE, SIZE)
        and storage.images.dtype == torch.uint8
    )
    torch.testing.assert_close(storage.images, expected, rtol=0, atol=0)
    torch.testing.assert_close(storage.labels, labels, rtol=0, atol=0)
    assert storage.classes == ["class_0", "class_1", "class_2"] and len(storage) == 12
    image, label = storage[5]
    assert image.shape == (3, SIZE, SIZE) and label == 1
    manifest = json.loads((storage.root / "manifest.json").read_text())
    assert (
        manifest["count"] == 12
        and manifest["shape"] == [12, 3, SIZE, SIZE]
        and manifest["dtype"] == "uint8"
    )
    assert not (storage.root / "progress.json").exists()


def test_checksums_are_the_sha256_of_the_files(storage):
    for name, digest in storage.manifest["sha256"].items():
        assert hashlib.sha256((storage.root / name).read_bytes()).hexdigest() == digest
    PreparedImages(storage.root, verify=True)  # passes


def test_preparing_again_returns_the_finished_storage(storage, source):
    again = prepare_folder(source, storage.root, size=SIZE, progress=False)
    assert again.manifest == storage.manifest


def test_resume_after_an_interruption_gives_the_same_bytes(
    storage, source, tmp_path, monkeypatch
):
    real_load, calls = prepared._load_image, []

    def interrupted(path, size):
        calls.append(path)
        if len(calls) == 6:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the run
        return real_load(path, size)

    monkeypatch.setattr(prepared, "_load_image", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)
    progress = json.loads((tmp_path / "out" / "progress.json").read_text())
    assert progress["done"] == 5 and not (tmp_path / "out" / "manifest.json").exists()
    with pytest.raises(
        ValueError, match="unfinished preparation; run prepare_folder again"
    ):
        PreparedImages(tmp_path / "out")
    # a hard kill loses the work since the last checkpoint: claim less than was written
    progress["done"] = 3
    (tmp_path / "out" / "progress.json").write_text(json.dumps(progress))
    monkeypatch.setattr(prepared, "_load_image", real_load)
    resumed = prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)
    assert (
        len(calls) == 6
    )  # nothing after the interruption was decoded by the failing loader
    assert (resumed.root / "images.u8").read_bytes() == (
        storage.root / "images.u8"
    ).read_bytes()
    assert resumed.manifest["sha256"] == storage.manifest["sha256"]


# ------------------------------------------------------------------------------ bad input


def test_corrupt_file_is_named_and_the_work_before_it_is_kept(tmp_path):
    source = make_folder(tmp_path / "source", classes=2, per_class=3)
    (source / "class_1" / "001.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(
        ValueError, match=r"class_1/001\.jpg' could not be decoded.*resumes"
    ):
        prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)
    assert json.loads((tmp_path / "out" / "progress.json").read_text())["done"] == 4
    make_folder(tmp_path / "fresh", classes=2, per_class=3)
    (source / "class_1" / "001.jpg").write_bytes(
        (tmp_path / "fresh" / "class_1" / "001.jpg").read_bytes()
    )
    assert len(prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)) == 6


def test_non_image_file_is_named(tmp_path):
    source = make_folder(tmp_path / "source", classes=1, per_class=2)
    (source / "class_0" / "notes.txt").write_text("hello")
    (source / "class_0" / ".DS_Store").write_text("ignored")
    with pytest.raises(ValueError, match=r"notes\.txt' is not an image file"):
        prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)


def test_truncated_jpeg_is_named(tmp_path):
    source = make_folder(tmp_path / "source", classes=1, per_class=2)
    path = source / "class_0" / "000.jpg"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"000\.jpg' could not be decoded"):
        prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)


def test_empty_class_folder_and_bad_source(tmp_path):
    source = make_folder(tmp_path / "source", classes=2, per_class=1)
    (source / "class_9").mkdir()
    with pytest.raises(
        ValueError, match="class folder .*class_9' holds no image files"
    ):
        prepare_folder(source, tmp_path / "out", size=SIZE, progress=False)
    with pytest.raises(ValueError, match="source must be a folder of class folders"):
        prepare_folder(tmp_path / "missing", tmp_path / "out", progress=False)
    (tmp_path / "flat").mkdir()
    with pytest.raises(ValueError, match="source must hold one folder per class"):
        prepare_folder(tmp_path / "flat", tmp_path / "out", progress=False)
    with pytest.raises(TypeError, match="size must be an int"):
        prepare_folder(source, tmp_path / "out", size=25.6, progress=False)


def test_destination_with_other_files_or_another_source_is_refused(storage, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.tex").write_text("keep me")
    other = make_folder(tmp_path / "other", classes=1, per_class=1)
    with pytest.raises(ValueError, match="destination must be a new or empty folder"):
        prepare_folder(other, tmp_path / "busy", size=SIZE, progress=False)
    assert (tmp_path / "busy" / "thesis.tex").read_text() == "keep me"
    with pytest.raises(
        ValueError, match="already holds prepared images of another folder"
    ):
        prepare_folder(other, storage.root, size=SIZE, progress=False)


def copy_storage(storage, tmp_path):
    target = tmp_path / "copy"
    target.mkdir()
    for name in ("images.u8", "labels.npy", "manifest.json"):
        (target / name).write_bytes((storage.root / name).read_bytes())
    return target


def test_truncated_storage_file_is_refused(storage, tmp_path):
    root = copy_storage(storage, tmp_path)
    data = (root / "images.u8").read_bytes()
    (root / "images.u8").write_bytes(data[:-100])
    with pytest.raises(ValueError, match="images.u8' must be .* bytes .*truncated"):
        PreparedImages(root)


def test_foreign_storage_file_is_refused(storage, tmp_path):
    root = copy_storage(storage, tmp_path)
    size = (root / "images.u8").stat().st_size
    (root / "images.u8").write_bytes(
        np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes()
    )
    with pytest.raises(ValueError, match="is not a prepared-images file"):
        PreparedImages(root)
    with pytest.raises(ValueError, match="not a prepared-images folder"):
        PreparedImages(tmp_path)


def test_manifest_that_does_not_match_is_refused(storage, tmp_path):
    root = copy_storage(storage, tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["count"], manifest["shape"] = 11, [11, 3, SIZE, SIZE]
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="does not match its manifest"):
        PreparedImages(root)
    (root / "manifest.json").write_text((storage.root / "manifest.json").read_text())
    with open(
        root / "images.u8", "r+b"
    ) as handle:  # one pixel changed after preparation
        handle.seek(5000)
        handle.write(b"\x00\x01")
    with pytest.raises(ValueError, match="images.u8' does not match the checksum"):
        PreparedImages(root, verify=True)
    (root / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="manifest.json' is not valid JSON"):
        PreparedImages(root)


# ------------------------------------------------------------------------------ the batches


@pytest.fixture(scope="module")
def statistics(storage):
    return storage.statistics()


def test_statistics_are_the_mean_image_and_the_pca(storage, statistics):
    mean, eigvals, eigvecs = statistics
    x = storage.images.double() / 255
    torch.testing.assert_close(mean, x.mean(dim=0).float(), rtol=0, atol=1e-6)
    reference_vals, _ = fit_pca(x[:, :, ::4, ::4].float())
    torch.testing.assert_close(eigvals, reference_vals, rtol=1e-5, atol=1e-7)
    assert eigvecs.shape == (3, 3)


@pytest.mark.parametrize("mean_kind", ["image", "channel", "none"])
def test_fused_batch_equals_the_separate_functions(storage, statistics, mean_kind):
    mean_image, eigvals, eigvecs = statistics
    mean = {"image": mean_image, "channel": mean_image.mean(dim=(1, 2)), "none": None}[
        mean_kind
    ]
    batches = PreparedBatches(
        storage,
        5,
        crop_size=CROP,
        mean=mean,
        eigvals=eigvals,
        eigvecs=eigvecs,
        generator=torch.Generator().manual_seed(7),
    )
    generator = torch.Generator().manual_seed(7)
    order = torch.randperm(len(storage), generator=generator)
    seen = []
    for (x, y), rows in zip(batches, order.split(5)):
        floats = storage.images[rows].float() / 255
        if mean is not None:
            floats = subtract_mean(
                floats,
                mean if mean.ndim == 3 else mean[:, None, None].expand(3, SIZE, SIZE),
            )
        expected = augment_batch(
            floats, CROP, eigvals=eigvals, eigvecs=eigvecs, generator=generator
        )
        torch.testing.assert_close(x, expected, **CLOSE)
        torch.testing.assert_close(y, storage.labels[rows], rtol=0, atol=0)
        seen.append(y)
    assert (
        len(batches) == len(seen) == 3 and len(torch.cat(seen)) == 12
    )  # last batch short


def test_a_new_mean_image_takes_effect_although_offsets_are_kept(storage, statistics):
    mean_image = statistics[0]
    batches = PreparedBatches(storage, 4, crop_size=CROP, mean=mean_image, train=True)
    rows = torch.arange(4)
    state = batches.generator.get_state()
    first = batches.batch(rows)
    batches.mean = mean_image + 0.25  # a later mean: the kept −mean must not be reused
    batches.generator.set_state(state)  # the same crops and flips
    torch.testing.assert_close(batches.batch(rows), first - 0.25, rtol=0, atol=1e-6)
    batches.mean.add_(0.25)  # changed in place: the same object, a new version
    batches.generator.set_state(state)
    torch.testing.assert_close(batches.batch(rows), first - 0.5, rtol=0, atol=1e-6)


def test_test_pass_is_the_centre_crop(storage, statistics):
    mean = statistics[0]
    batches = PreparedBatches(
        storage, 8, crop_size=CROP, train=False, mean=mean, drop_last=True
    )
    ((x, y),) = list(batches)
    top = (SIZE - CROP) // 2
    expected = (storage.images[:8].float() / 255 - mean)[
        :, :, top : top + CROP, top : top + CROP
    ]
    torch.testing.assert_close(x, expected, rtol=0, atol=0)
    torch.testing.assert_close(y, storage.labels[:8], rtol=0, atol=0)


def test_batches_are_deterministic_from_the_seed(storage, statistics):
    _, eigvals, eigvecs = statistics

    def epoch(seed):
        batches = PreparedBatches(
            storage,
            4,
            crop_size=CROP,
            eigvals=eigvals,
            eigvecs=eigvecs,
            generator=torch.Generator().manual_seed(seed),
        )
        return torch.cat([x for x, _ in batches])

    torch.testing.assert_close(epoch(3), epoch(3), rtol=0, atol=0)
    assert not torch.equal(epoch(3), epoch(4))


def test_batch_arguments_are_checked(storage):
    with pytest.raises(TypeError, match="data must be a PreparedImages"):
        PreparedBatches(torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="crop_size must be <= 32"):
        PreparedBatches(storage, crop_size=40)
    with pytest.raises(ValueError, match="eigvals and eigvecs must be given together"):
        PreparedBatches(storage, crop_size=CROP, eigvals=torch.ones(3))
    with pytest.raises(
        ValueError, match=r"mean must have shape \(3,\) or \(3, 32, 32\)"
    ):
        PreparedBatches(storage, crop_size=CROP, mean=torch.zeros(3, 8, 8))


def test_command_line(source, tmp_path, capsys):
    assert prepared.main([str(source), str(tmp_path / "cli"), "--size", str(SIZE)]) == 0
    assert "12 images 3×32×32, 3 classes" in capsys.readouterr().out
    assert prepared.main([str(tmp_path / "nowhere"), str(tmp_path / "cli2")]) == 2
    assert "source must be a folder of class folders" in capsys.readouterr().err
