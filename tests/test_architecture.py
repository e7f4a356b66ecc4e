"""Tests for alexnet_core.architecture: the rows, their shape comments and layer_shapes agree.

Reference: the model each row builds, measured by a forward pass (summary.layer_table), and the
output shapes written as comments beside the rows in the source.
"""

import inspect
import re

import pytest

from alexnet_core import alexnet, layer_table
from alexnet_core import architecture
from alexnet_core.architecture import ARCHITECTURES, VARIANTS, layer_shapes


def _commented_shapes() -> dict[str, list[tuple[int, ...]]]:
    """Return {variant: [(C, H, W) of each conv row's comment]} from the source of the table."""
    source, found, variant = inspect.getsource(architecture), {}, None
    for line in source.splitlines():
        start = re.match(r'\s+"(\w+)": Architecture\(', line)
        if start:
            variant = start.group(1)
        shape = re.search(r"Conv\(.*# \(B, (\d+), (\d+), (\d+)\)", line)
        if shape and variant:
            found.setdefault(variant, []).append(tuple(int(v) for v in shape.groups()))
    return found


@pytest.mark.parametrize("variant", VARIANTS)
def test_shape_comments_are_what_the_model_produces(variant):
    measured = [row.output_shape for row in layer_table(alexnet(variant))]
    names = [row.name for row in layer_table(alexnet(variant))]
    commented = _commented_shapes()[variant]
    assert len(commented) == len(ARCHITECTURES[variant].convs)
    for number, shape in enumerate(commented, start=1):
        last = max(i for i, name in enumerate(names) if name.endswith(str(number)) and name[:-1] in ("conv", "relu", "lrn", "pool"))
        assert measured[last] == shape, (variant, number)


@pytest.mark.parametrize("variant", VARIANTS)
def test_layer_shapes_match_the_model(variant):
    table = layer_table(alexnet(variant))
    for shape in layer_shapes(variant):
        conv = next(row for row in table if row.name == shape.name)
        assert conv.output_shape == (shape.spec.out, shape.conv_size, shape.conv_size)


def test_227_drops_conv1_padding_and_gives_the_same_maps():
    shapes = {size: layer_shapes("paper", size) for size in (224, 227)}
    assert (shapes[224][0].padding, shapes[227][0].padding) == (2, 0)
    assert [s.out_size for s in shapes[224]] == [s.out_size for s in shapes[227]] == [27, 13, 13, 13, 6]


def test_bad_variant_is_named():
    with pytest.raises(ValueError, match=r"variant must be one of 'paper', .*got 'vgg'"):
        layer_shapes("vgg")
