"""Tests for alexnet_core.lrn: §3.3 local response normalization.

References: a naive loop over the paper's formula written here (independent of the package),
torch.nn.LocalResponseNorm (with the α conversion), per-chunk application for groups, and
torch.autograd.gradcheck / gradgradcheck for the hand-written backward.
"""

from __future__ import annotations


import pytest
import torch

from alexnet_core.lrn import LocalResponseNorm, local_response_norm, local_response_norm_loop, torch_alpha

FLOAT64 = dict(rtol=1e-10, atol=1e-12)
FLOAT32 = dict(rtol=2e-6, atol=2e-6)


def naive_lrn(x, size, alpha, beta, k, convention):
    """The formula element by element over channels: b_i = a_i / (k + c Σ_{j in window(i)} a_j²)^β."""
    coefficient = alpha if convention == "paper" else alpha / size
    channels = x.shape[1]
    outputs = []
    for i in range(channels):
        total = torch.zeros_like(x[:, 0])
        for j in range(max(0, i - size // 2), min(channels - 1, i + (size - 1) // 2) + 1):  # §3.3's bounds
            total = total + x[:, j] * x[:, j]
        outputs.append(x[:, i] / (k + coefficient * total) ** beta)
    return torch.stack(outputs, dim=1)


def activations(shape, seed=0, dtype=torch.float64, scale=3.0):
    """Post-ReLU-like activations with a spread large enough that the sum term matters."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator, dtype=dtype) * scale).relu_() + 0.1


# --- forward against the naive formula and torch's layer -----------------------------------------


@pytest.mark.parametrize("convention", ["paper", "pytorch"])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("channels", [1, 3, 6, 10])
def test_matches_naive_formula_forward_and_backward(size, channels, convention):
    x = activations((2, channels, 3, 4)).requires_grad_()
    grad_output = torch.randn(x.shape, dtype=x.dtype, generator=torch.Generator().manual_seed(1))
    ours = local_response_norm(x, size, 0.05, 0.75, 1.5, convention=convention)
    reference = naive_lrn(x, size, 0.05, 0.75, 1.5, convention)
    torch.testing.assert_close(ours, reference, **FLOAT64)
    (grad_ours,) = torch.autograd.grad(ours, x, grad_output)
    (grad_reference,) = torch.autograd.grad(reference, x, grad_output)
    torch.testing.assert_close(grad_ours, grad_reference, **FLOAT64)


def test_paper_defaults_edge_channels_by_hand():
    # channel 0 sees channels 0..2 and channel C−1 sees C−3..C−1 with n = 5
    x = activations((1, 6, 1, 1))
    a = x[0, :, 0, 0]
    out = local_response_norm(x)[0, :, 0, 0]
    torch.testing.assert_close(out[0], a[0] / (2 + 1e-4 * (a[:3] ** 2).sum()) ** 0.75, **FLOAT64)
    torch.testing.assert_close(out[2], a[2] / (2 + 1e-4 * (a[:5] ** 2).sum()) ** 0.75, **FLOAT64)
    torch.testing.assert_close(out[5], a[5] / (2 + 1e-4 * (a[3:] ** 2).sum()) ** 0.75, **FLOAT64)


@pytest.mark.parametrize("beta", [0.25, 0.5, 0.75, 1.0, 1.3])
def test_each_beta_path_matches_naive(beta):
    x = activations((2, 7, 3, 3), seed=2)
    torch.testing.assert_close(
        local_response_norm(x, 5, 0.1, beta, 1.0), naive_lrn(x, 5, 0.1, beta, 1.0, "paper"), **FLOAT64
    )


@pytest.mark.parametrize("convention", ["paper", "pytorch"])
@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_matches_torch_layer_float32(size, convention):
    x = activations((4, 12, 9, 9), dtype=torch.float32).requires_grad_()
    grad_output = torch.randn(x.shape, generator=torch.Generator().manual_seed(3))
    layer = torch.nn.LocalResponseNorm(size, torch_alpha(1e-2, size, convention), 0.75, 2.0)
    ours = local_response_norm(x, size, 1e-2, 0.75, 2.0, convention=convention)
    theirs = layer(x)
    torch.testing.assert_close(ours, theirs, **FLOAT32)
    (grad_ours,) = torch.autograd.grad(ours, x, grad_output)
    (grad_theirs,) = torch.autograd.grad(theirs, x, grad_output)
    torch.testing.assert_close(grad_ours, grad_theirs, **FLOAT32)


def test_paper_convention_is_torch_alpha_times_size():
    x = activations((2, 96, 5, 5), dtype=torch.float32)
    torch.testing.assert_close(local_response_norm(x), torch.nn.LocalResponseNorm(5, 5e-4, 0.75, 2.0)(x), **FLOAT32)
    torch.testing.assert_close(
        local_response_norm(x, convention="pytorch"), torch.nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0)(x), **FLOAT32
    )
    # and the conventions really differ on these activations
    assert (local_response_norm(x) - local_response_norm(x, convention="pytorch")).abs().max() > 1e-3


@pytest.mark.parametrize("shape", [(2, 6, 7), (2, 6, 3, 4, 5)])
def test_other_ranks_match_torch(shape):
    x = activations(shape)
    layer = torch.nn.LocalResponseNorm(3, torch_alpha(0.1, 3, "paper"), 0.75, 1.0)
    torch.testing.assert_close(local_response_norm(x, 3, 0.1, 0.75, 1.0), layer(x), **FLOAT64)


def test_float32_at_alexnet_conv2_scale_matches_float64():
    x = activations((2, 256, 13, 13), dtype=torch.float32, scale=20.0)
    torch.testing.assert_close(
        local_response_norm(x).double(), naive_lrn(x.double(), 5, 1e-4, 0.75, 2.0, "paper"), rtol=1e-6, atol=1e-5
    )


def test_bfloat16_close_to_float32():
    x = activations((2, 8, 4, 4), dtype=torch.float32)
    out = local_response_norm(x.bfloat16(), alpha=0.05)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), local_response_norm(x, alpha=0.05), rtol=2e-2, atol=2e-2)


# --- groups, layouts, devices ---------------------------------------------------------------------


@pytest.mark.parametrize("groups", [2, 3])
@pytest.mark.parametrize("size", [4, 5])
def test_groups_equal_per_chunk_application(groups, size):
    x = activations((2, 12, 4, 4)).requires_grad_()
    grad_output = torch.randn(x.shape, dtype=x.dtype, generator=torch.Generator().manual_seed(4))
    ours = local_response_norm(x, size, 0.1, 0.75, 1.0, groups=groups)
    chunks = torch.cat([local_response_norm(c, size, 0.1, 0.75, 1.0) for c in x.chunk(groups, dim=1)], dim=1)
    torch.testing.assert_close(ours, chunks, **FLOAT64)
    (grad_ours,) = torch.autograd.grad(ours, x, grad_output)
    (grad_chunks,) = torch.autograd.grad(chunks, x, grad_output)
    torch.testing.assert_close(grad_ours, grad_chunks, **FLOAT64)
    # grouping changes the result near the group boundary
    assert (ours - local_response_norm(x, size, 0.1, 0.75, 1.0)).abs().max() > 1e-6


def test_channels_last_input_gives_channels_last_output_and_same_values():
    x = activations((2, 10, 5, 6))
    x_last = x.contiguous(memory_format=torch.channels_last).requires_grad_()
    out = local_response_norm(x_last, 4, 0.1, 0.75, 1.0, groups=2)
    assert out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, local_response_norm(x, 4, 0.1, 0.75, 1.0, groups=2), **FLOAT64)
    out.backward(torch.ones_like(out))
    x_plain = x.clone().requires_grad_()
    local_response_norm(x_plain, 4, 0.1, 0.75, 1.0, groups=2).sum().backward()
    torch.testing.assert_close(x_last.grad, x_plain.grad, **FLOAT64)


def test_non_contiguous_and_expanded_inputs():
    base = activations((2, 12, 5, 6))
    for x in (base[:, ::2].transpose(2, 3), base[:1, :4, :1, :1].expand(3, 4, 2, 2)):
        expected = naive_lrn(x.contiguous(), 3, 0.1, 0.75, 1.0, "paper")
        torch.testing.assert_close(local_response_norm(x, 3, 0.1, 0.75, 1.0), expected, **FLOAT64)


def test_empty_batch():
    assert local_response_norm(torch.zeros(0, 8, 3, 3)).shape == (0, 8, 3, 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    x = activations((2, 16, 5, 5), dtype=torch.float32).requires_grad_()
    x_cuda = x.detach().cuda().requires_grad_()
    out, out_cuda = local_response_norm(x, groups=2), local_response_norm(x_cuda, groups=2)
    torch.testing.assert_close(out_cuda.cpu(), out, **FLOAT32)
    out.sum().backward(), out_cuda.sum().backward()
    torch.testing.assert_close(x_cuda.grad.cpu(), x.grad, **FLOAT32)


# --- gradients ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, beta, convention, groups",
    [
        (5, 0.75, "paper", 1),
        (4, 0.75, "pytorch", 1),
        (3, 0.6, "paper", 2),
        (2, 1.0, "paper", 3),
        (7, 0.5, "pytorch", 1),
    ],
)
def test_gradcheck_and_gradgradcheck(size, beta, convention, groups):
    x = activations((1, 6, 2, 2), scale=1.0).requires_grad_()

    def function(t):
        return local_response_norm(t, size, 0.2, beta, 1.0, convention=convention, groups=groups)

    assert torch.autograd.gradcheck(function, (x,))
    assert torch.autograd.gradgradcheck(function, (x,))


@pytest.mark.parametrize("size", [4, 5])
def test_double_backward_matches_naive_reference(size):
    # create_graph=True takes the differentiable backward; its first and second derivatives must
    # both equal autograd's through the naive formula (gradgradcheck alone cannot tell a wrong
    # first derivative that is consistently differentiated)
    x = activations((2, 7, 2, 3), scale=1.0).requires_grad_()
    generator = torch.Generator().manual_seed(6)
    v, w = (torch.randn(x.shape, dtype=x.dtype, generator=generator) for _ in range(2))
    results = []
    for function in (local_response_norm, lambda t, *a: naive_lrn(t, *a, "paper")):
        (first,) = torch.autograd.grad(function(x, size, 0.2, 0.75, 1.0), x, v, create_graph=True)
        (second,) = torch.autograd.grad(first, x, w)
        results.append((first, second))
    torch.testing.assert_close(results[0][0], results[1][0], **FLOAT64)
    torch.testing.assert_close(results[0][1], results[1][1], **FLOAT64)


def test_backward_twice_with_retain_graph_gives_the_same_gradient():
    x = activations((2, 8, 3, 3)).requires_grad_()
    out = local_response_norm(x, alpha=0.1)
    out.sum().backward(retain_graph=True)
    first = x.grad.clone()
    x.grad = None
    out.sum().backward()
    torch.testing.assert_close(x.grad, first, rtol=0, atol=0)


def test_no_graph_when_input_needs_no_grad():
    assert not local_response_norm(activations((1, 4, 2, 2))).requires_grad


# --- the loop version and the module -------------------------------------------------------------


@pytest.mark.parametrize("convention", ["paper", "pytorch"])
@pytest.mark.parametrize("size", [1, 4, 5])
def test_loop_matches_naive_and_is_differentiable(size, convention):
    x = activations((2, 7, 3, 3)).requires_grad_()
    loop = local_response_norm_loop(x, size, 0.1, 0.75, 1.0, convention=convention)
    reference = naive_lrn(x, size, 0.1, 0.75, 1.0, convention)
    torch.testing.assert_close(loop, reference, **FLOAT64)
    torch.testing.assert_close(
        torch.autograd.grad(loop.sum(), x)[0], torch.autograd.grad(reference.sum(), x)[0], **FLOAT64
    )


def test_module_matches_function_and_has_no_parameters():
    x = activations((2, 8, 4, 4))
    layer = LocalResponseNorm(3, 0.1, 0.6, 1.5, convention="pytorch", groups=2)
    expected = local_response_norm(x, 3, 0.1, 0.6, 1.5, convention="pytorch", groups=2)
    torch.testing.assert_close(layer(x), expected, rtol=0, atol=0)
    assert list(layer.parameters()) == [] and layer.state_dict() == {}
    assert repr(layer) == (
        "LocalResponseNorm(size=3, alpha=0.1, beta=0.6, k=1.5, convention='pytorch', groups=2)"
    )
    torch.testing.assert_close(LocalResponseNorm()(x), local_response_norm(x), rtol=0, atol=0)


def test_torch_alpha():
    assert torch_alpha(1e-4, 5, "paper") == pytest.approx(5e-4)
    assert torch_alpha(1e-4, 5, "pytorch") == 1e-4
    with pytest.raises(ValueError, match="convention must be one of 'paper', 'pytorch', got 'caffe'"):
        torch_alpha(1e-4, 5, "caffe")
    with pytest.raises(ValueError, match="size must be a positive int, got 0"):
        torch_alpha(1e-4, 0, "paper")


# --- errors ---------------------------------------------------------------------------------------

GOOD = torch.ones(2, 4, 3, 3)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: local_response_norm(torch.ones(4, 3)), ValueError, r"x must have at least 3 dimensions.*\(4, 3\)"),
        (lambda: local_response_norm(GOOD.long()), TypeError, "x must be a floating-point tensor.*int64"),
        (lambda: local_response_norm([[[1.0]]]), TypeError, "x must be a torch.Tensor, got"),
        (lambda: local_response_norm(GOOD, size=0), ValueError, "size must be a positive int, got 0"),
        (lambda: local_response_norm(GOOD, size=2.5), TypeError, "size must be an int, got 2.5"),
        (lambda: local_response_norm(GOOD, alpha=-1e-4), ValueError, "alpha must be a finite number > 0, got -0.0001"),
        (lambda: local_response_norm(GOOD, alpha=0), ValueError, "alpha must be a finite number > 0, got 0.0"),
        (lambda: local_response_norm(GOOD, beta=0), ValueError, "beta must be a finite number > 0, got 0.0"),
        (lambda: local_response_norm(GOOD, k=0), ValueError, "k must be a finite number > 0, got 0.0"),
        (lambda: local_response_norm(GOOD, k=-2.0), ValueError, "k must be a finite number > 0, got -2.0"),
        (lambda: local_response_norm(GOOD, convention="caffe"), ValueError, "convention must be one of 'paper'"),
        (lambda: local_response_norm(GOOD, groups=3), ValueError, "groups must divide .* C=4 of x, got groups=3"),
        (lambda: local_response_norm(GOOD, groups=0), ValueError, "groups must be a positive int, got 0"),
        (lambda: local_response_norm_loop(torch.ones(4, 3)), ValueError, "x must have at least 3 dimensions"),
        (lambda: local_response_norm_loop(GOOD, size=0), ValueError, "size must be a positive int, got 0"),
        (lambda: LocalResponseNorm(alpha=-1.0), ValueError, "alpha must be a finite number > 0, got -1.0"),
        (lambda: LocalResponseNorm(convention="torch"), ValueError, "convention must be one of"),
        (lambda: LocalResponseNorm(groups=0), ValueError, "groups must be a positive int, got 0"),
        (lambda: LocalResponseNorm(groups=3)(GOOD), ValueError, "groups must divide the number of channels C=4"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- speed ---------------------------------------------------------------------------------------
