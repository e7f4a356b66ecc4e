import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="AlexNet, line by line (marimo)")


@app.cell
def _():
    from dataclasses import replace

    import marimo as mo
    import matplotlib.pyplot as plt
    import torch

    import alexnet_core as anc

    return anc, mo, plt, replace, torch


@app.cell
def _(mo):
    mo.md(r"""
    # AlexNet, line by line — the reactive tour

    Krizhevsky, Sutskever & Hinton, *ImageNet Classification with Deep Convolutional Neural
    Networks* (NIPS 2012). Every control below drives code from `alexnet_core`; change one and
    everything that depends on it recomputes. The quick configuration (offline procedural images,
    small nets, CPU) runs in seconds; **full scale** is off by default.
    """)
    return


@app.cell
def _(anc, mo, torch):
    _devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else []) + (
        ["mps"] if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available() else []
    )
    device_choice = mo.ui.dropdown(_devices, value=str(anc.pick_device().type), label="device")
    full_scale = mo.ui.switch(value=False, label="full scale (GPU, CIFAR-10 download, longer runs)")
    mo.hstack([device_choice, full_scale], justify="start", gap=2)
    return device_choice, full_scale


@app.cell
def _(anc, device_choice, full_scale):
    device = anc.pick_device(device_choice.value)
    FULL_SCALE = full_scale.value
    return FULL_SCALE, device


@app.cell
def _(mo):
    mo.md(r"""
    ## 1. The architecture at a glance (§3, Fig. 2)

    The paper says 224×224 input, but an 11×11 stride-4 convolution needs 227 pixels to give
    Fig. 2's 55×55 maps without padding; `input_size=224` pads conv1 by 2 (as torchvision does).
    """)
    return


@app.cell
def _(mo):
    variant = mo.ui.dropdown(["paper", "ungrouped", "one_gpu_half", "torchvision"], value="paper", label="variant")
    input_size = mo.ui.dropdown(["224", "227"], value="224", label="input size")
    mo.hstack([variant, input_size], justify="start", gap=2)
    return input_size, variant


@app.cell
def _(anc, input_size, mo, variant):
    architecture = anc.alexnet(variant.value, input_size=int(input_size.value))
    architecture_table = anc.layer_table(architecture)
    mo.vstack(
        [
            mo.md(
                f"**{variant.value}** at {input_size.value}×{input_size.value}: "
                f"**{architecture_table.parameters:,}** parameters, "
                f"**{architecture_table.mult_adds / 1e6:,.0f} M** multiply-adds per image."
            ),
            mo.Html(architecture_table._repr_html_()),
        ]
    )
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## 2. ReLU versus tanh (§3.1, Fig. 1)

    §3.1's four-layer convolutional net trained with ReLUs or with tanh units, each with its own
    learning rate, no regularization. The paper (CIFAR-10) saw ReLUs reach 25% training error six
    times faster. Here: the offline images, a few epochs, so expect a different ratio.
    """)
    return


@app.cell
def _(mo):
    relu_lr = mo.ui.dropdown(["0.003", "0.01", "0.03", "0.1"], value="0.03", label="ReLU learning rate")
    tanh_lr = mo.ui.dropdown(["0.003", "0.01", "0.03", "0.1"], value="0.03", label="tanh learning rate")
    relu_epochs = mo.ui.slider(2, 12, value=6, label="epochs")
    run_relu = mo.ui.run_button(label="train again (full scale)")
    mo.hstack([relu_lr, tanh_lr, relu_epochs, run_relu], justify="start", gap=2)
    return relu_epochs, relu_lr, run_relu, tanh_lr


@app.cell
def _(
    FULL_SCALE,
    anc,
    device,
    mo,
    relu_epochs,
    relu_lr,
    replace,
    run_relu,
    tanh_lr,
):
    # Quick runs recompute on every change; the full-scale run waits for the button.
    mo.stop(FULL_SCALE and not run_relu.value, mo.md("*Press the button to train at full scale.*"))
    if FULL_SCALE:
        _train, _test = anc.cifar10("data", train=True, download=True), None
    else:
        _train, _test = anc.quick_data(1000, 200)
    _base = anc.TrainConfig(epochs=relu_epochs.value, batch_size=64, weight_decay=0.0, schedule="constant", progress=False)
    relu_histories = anc.compare(
        {"ReLU": lambda: anc.fig1_net("relu"), "tanh": lambda: anc.fig1_net("tanh")},
        _train, None, _base, device=device,
        configs={
            "ReLU": replace(_base, lr=float(relu_lr.value)),
            "tanh": replace(_base, lr=float(tanh_lr.value)),
        },
    )
    return (relu_histories,)


@app.cell
def _(anc, mo, relu_histories):
    _relu = anc.epochs_to_reach(relu_histories["ReLU"], 0.25)
    _tanh = anc.epochs_to_reach(relu_histories["tanh"], 0.25)
    relu_ratio = (_tanh / _relu) if (_relu and _tanh) else None
    _verdict = (
        f"ReLU reached 25% training error in **{_relu}** epochs, tanh in **{_tanh}**: ratio **{relu_ratio:.1f}×** "
        f"(paper: 6× on CIFAR-10)."
        if relu_ratio
        else f"Epochs to 25% training error: ReLU {_relu}, tanh {_tanh} (None = not reached in this run)."
    )
    mo.vstack([anc.viz.training_curves(relu_histories, target=0.25, title="training error (on the fly)"), mo.md(_verdict)])
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## 3. Local Response Normalization (§3.3)

    $$b^i_{x,y} = a^i_{x,y} \Big/ \Big(k + \alpha \sum_{j=\max(0,\,i-n/2)}^{\min(N-1,\,i+n/2)} (a^j_{x,y})^2\Big)^{\beta}$$

    with $k=2$, $n=5$, $\alpha=10^{-4}$, $\beta=0.75$, after the ReLU. The *paper* convention
    multiplies the sum by α; PyTorch (and cuda-convnet) use α/n.
    """)
    return


@app.cell
def _(anc, torch):
    photo = anc.sample_photo("astronaut", size=224)  # (3, 224, 224), bundled with scikit-image
    torch.manual_seed(0)
    _conv = anc.alexnet("paper", init="pytorch").named_layer("conv1")
    with torch.no_grad():
        conv1_relu = torch.relu(_conv(photo[None]))  # (1, 96, 55, 55)
    return (conv1_relu,)


@app.cell
def _(mo):
    lrn_k = mo.ui.slider(0.5, 4.0, step=0.5, value=2.0, label="k")
    lrn_n = mo.ui.slider(1, 15, step=2, value=5, label="n")
    lrn_alpha = mo.ui.dropdown(["1e-05", "0.0001", "0.001", "0.01", "0.1"], value="0.0001", label="α")
    lrn_beta = mo.ui.slider(0.25, 1.5, step=0.25, value=0.75, label="β")
    lrn_convention = mo.ui.dropdown(["paper", "pytorch"], value="paper", label="convention")
    mo.hstack([lrn_k, lrn_n, lrn_alpha, lrn_beta, lrn_convention], justify="start", wrap=True)
    return lrn_alpha, lrn_beta, lrn_convention, lrn_k, lrn_n


@app.cell
def _(anc, conv1_relu, lrn_alpha, lrn_beta, lrn_convention, lrn_k, lrn_n, mo):
    normalised = anc.local_response_norm(
        conv1_relu, size=lrn_n.value, alpha=float(lrn_alpha.value), beta=lrn_beta.value, k=lrn_k.value,
        convention=lrn_convention.value,
    )
    _ratio = (normalised.sum() / conv1_relu.sum()).item()
    mo.vstack(
        [
            mo.md(f"Output / input (summed over all conv1 maps): **{_ratio:.4f}**"),
            mo.hstack(
                [
                    anc.viz.activation_grid(conv1_relu[0], channels=range(8), columns=4, title="conv1 + ReLU"),
                    anc.viz.activation_grid(normalised[0], channels=range(8), columns=4, title="after LRN"),
                ]
            ),
        ]
    )
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## 4. Dropout (§4.2)

    While training, each hidden unit of fc6 and fc7 is zeroed with probability $p$. The paper
    then multiplies outputs by $1-p$ at test time; PyTorch instead scales kept units by
    $1/(1-p)$ while training. Both agree in expectation.
    """)
    return


@app.cell
def _(mo):
    dropout_p = mo.ui.slider(0.0, 0.9, step=0.1, value=0.5, label="p")
    dropout_p
    return (dropout_p,)


@app.cell
def _(anc, dropout_p, mo, plt, torch):
    _units = torch.ones(1, 16 * 16)
    _paper, _inverted = anc.PaperDropout(dropout_p.value), torch.nn.Dropout(dropout_p.value)
    torch.manual_seed(0)
    _paper_train = _paper.train()(_units)
    torch.manual_seed(0)
    _inverted_train = _inverted.train()(_units)
    dropout_summary = {
        "paper, training (mean)": _paper_train.mean().item(),
        "paper, test (×(1−p))": _paper.eval()(_units).mean().item(),
        "inverted, training (mean)": _inverted_train.mean().item(),
        "inverted, test (identity)": _inverted.eval()(_units).mean().item(),
    }
    _figure, _axes = plt.subplots(1, 2, figsize=(6, 3))
    for _ax, _values, _title in zip(_axes, (_paper_train, _inverted_train), ("paper: kept units = 1", "inverted: kept units = 1/(1−p)")):
        _ax.imshow(_values.view(16, 16).numpy(), cmap="gray", vmin=0, vmax=max(1.0, _values.max().item()))
        _ax.set_title(_title, fontsize=9)
        _ax.set_axis_off()
    mo.vstack([_figure, mo.md("\n".join(f"- {k}: **{v:.3f}**" for k, v in dropout_summary.items()))])
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## 5. Data augmentation (§4.1)

    A random 224×224 window of the 256×256 image, maybe mirrored, plus "fancy PCA" lighting:
    one RGB shift per image along the principal components of the training pixels.
    """)
    return


@app.cell
def _(anc):
    photo_256 = anc.sample_photo("chelsea", size=256)
    eigvals, eigvecs = anc.fit_pca(anc.sample_photos(size=64))
    return eigvals, eigvecs, photo_256


@app.cell
def _(mo):
    crop_top = mo.ui.slider(0, 32, value=16, label="top")
    crop_left = mo.ui.slider(0, 32, value=16, label="left")
    crop_flip = mo.ui.switch(value=False, label="flip")
    alpha_1 = mo.ui.slider(-0.3, 0.3, step=0.05, value=0.0, label="α1")
    alpha_2 = mo.ui.slider(-0.3, 0.3, step=0.05, value=0.0, label="α2")
    alpha_3 = mo.ui.slider(-0.3, 0.3, step=0.05, value=0.0, label="α3")
    mo.vstack([mo.hstack([crop_top, crop_left, crop_flip], justify="start"), mo.hstack([alpha_1, alpha_2, alpha_3], justify="start")])
    return alpha_1, alpha_2, alpha_3, crop_flip, crop_left, crop_top


@app.cell
def _(
    alpha_1,
    alpha_2,
    alpha_3,
    anc,
    crop_flip,
    crop_left,
    crop_top,
    eigvals,
    eigvecs,
    photo_256,
    torch,
):
    _params = anc.CropFlipParams(
        tops=torch.tensor([crop_top.value]), lefts=torch.tensor([crop_left.value]),
        flips=torch.tensor([crop_flip.value]), crop_size=224,
    )
    _alphas = torch.tensor([[alpha_1.value, alpha_2.value, alpha_3.value]])
    augmented = anc.augment_batch(photo_256[None], 224, eigvals=eigvals, eigvecs=eigvecs, params=_params, alphas=_alphas)
    _shift = anc.lighting_shift(_alphas, eigvals, eigvecs)[0]
    anc.viz.image_row([photo_256, augmented[0]], ["256×256 original", f"crop + lighting, RGB shift {[round(v, 3) for v in _shift.tolist()]}"], size=3)
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## 6. First-layer filters and activation maps (Fig. 3)

    A small two-tower net (`alexnet("cifar_towers")`: 96 conv1 kernels, conv2/4/5 grouped in two)
    trained for a few epochs on the offline images; its kernels are drawn per tower as in Fig. 3.
    """)
    return


@app.cell
def _(FULL_SCALE, anc, device, torch):
    torch.manual_seed(0)
    towers_model = anc.alexnet("cifar_towers", num_classes=10)
    if FULL_SCALE:
        _train, _test = anc.cifar10("data", train=True, download=True), anc.cifar10("data", train=False, download=True)
    else:
        _train, _test = anc.quick_data(1000, 200)
    towers_history = anc.train(towers_model, _train, _test, anc.TrainConfig(epochs=2 if not FULL_SCALE else 30, batch_size=64, progress=False), device=device)
    towers_model = towers_model.cpu().eval()
    return towers_history, towers_model


@app.cell
def _(anc, towers_history, towers_model):
    anc.viz.filter_grid(
        towers_model.named_layer("conv1").weight.detach(), towers=2, columns=12,
        title=f"96 conv1 kernels after {len(towers_history)} epochs (test error {towers_history.test_error[-1]:.1%})",
    )
    return


@app.cell
def _(mo):
    layer_choice = mo.ui.dropdown(["relu1", "lrn1", "pool1", "relu2", "relu3", "relu4", "relu5"], value="relu1", label="layer")
    channel_start = mo.ui.slider(0, 80, step=16, value=0, label="first channel")
    mo.hstack([layer_choice, channel_start], justify="start", gap=2)
    return channel_start, layer_choice


@app.cell
def _(anc, channel_start, layer_choice, towers_model):
    _image = anc.sample_photo("astronaut", size=32)[None]
    _maps = anc.capture_activations(towers_model, _image, layer_choice.value)[layer_choice.value][0]
    _first = min(channel_start.value, _maps.shape[0] - 1)
    anc.viz.activation_grid(_maps, channels=range(_first, min(_first + 16, _maps.shape[0])), title=f"{layer_choice.value}: {tuple(_maps.shape)}")
    return


@app.cell
def _(mo):
    mo.md(r"""
    ## 7. The two-GPU split (§3.2)

    The paper's GPUs exchange activations only into conv3 and the fully connected layers. Choose
    which layers read both GPUs' outputs and see the parameters and the traffic per image.
    """)
    return


@app.cell
def _(anc, mo):
    connected = mo.ui.multiselect(list(anc.split.SPLIT_LAYERS), value=list(anc.PAPER_CONNECTED), label="layers that read both GPUs")
    connected
    return (connected,)


@app.cell
def _(anc, torch):
    # The paper's split run for real (both towers on the CPU here): count what crosses.
    _towers = anc.TwoTowerAlexNet(("cpu", "cpu"), init="pytorch").eval()
    with torch.no_grad():
        _towers(torch.rand(1, 3, 224, 224))
    measured_bytes = _towers.bytes_exchanged
    return (measured_bytes,)


@app.cell
def _(anc, connected, measured_bytes, mo):
    costs = anc.split_costs(connected.value)
    mo.vstack(
        [
            anc.viz.two_tower_diagram(costs.connected),
            mo.md(
                f"**{costs.parameters:,}** parameters, **{costs.bytes_per_image:,}** bytes cross between the GPUs per image "
                f"(float32). The paper's choice, run for real with `TwoTowerAlexNet`: **{measured_bytes:,}** bytes per image."
            ),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
