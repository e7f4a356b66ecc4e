import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="AlexNet, line by line (marimo)")


@app.cell
def _():
    from pathlib import Path
    from types import SimpleNamespace

    import marimo as mo
    import matplotlib
    import torch

    import alexnet_core as anc
    from alexnet_core.lab import kernels as filter_lab
    from alexnet_core.lab import regularisation, relu_speed

    return (
        Path,
        SimpleNamespace,
        anc,
        filter_lab,
        matplotlib,
        mo,
        regularisation,
        relu_speed,
        torch,
    )


@app.cell
def _(mo):
    mo.md(r"""
    # AlexNet, line by line — the reactive tour

    Krizhevsky, Sutskever & Hinton, *ImageNet Classification with Deep Convolutional Neural
    Networks* (NIPS 2012). Every control below drives code from `alexnet_core`; change one and
    everything that depends on it recomputes. The quick configuration (offline images bundled
    with scikit-image, small nets, CPU) runs in seconds; the two training runs that take longer
    wait for their button and show a spinner while they train. **Full scale** (section 6 only)
    is off by default, and even when it is on nothing downloads until you press that section's
    button.
    """)
    return


@app.cell
def _(anc, mo, torch):
    _devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else []) + (
        ["mps"] if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available() else []
    )
    device_choice = mo.ui.dropdown(_devices, value=str(anc.pick_device().type), label="device")
    full_scale = mo.ui.switch(value=False, label="full scale (section 6: CIFAR-10, 30 epochs; needs its button)")
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

    §3.1's four-layer convolutional net (`fig1_net`) trained with ReLUs or with tanh units on
    2,000 natural 32×32 patches, no regularization, stopped once it reaches 25% training error.
    The paper (CIFAR-10) saw ReLUs get there six times faster, and warns that "the magnitude of
    the effect ... varies with network architecture".

    **Learning rates.** The default gives both nets the *same* rate, ReLU's best: the comparison
    most tutorials draw, and here ReLU is far ahead (tanh saturates and crawls). §3.1 did
    something fairer: "the learning rates for each network were chosen independently to make
    training as fast as possible". Choose *each its own best rate* (the best of a grid measured
    once, `relu_speed.BEST_LR`) and, on this data, tanh catches up: chapter 3 measures a median
    speed-up of 0.83× over three seeds, so ReLU's head start at a shared rate is mostly the rate.
    Chapter 3 also finds where ReLU does pull ahead at each net's own best rate: on the same
    patches with the colour taken away (**data: luminance only**, `relu_speed.fig1(...,
    grey=True)`), so that the nets must learn texture, the median speed-up over seeds 0–2 is
    1.7× (1.0×, 2.3× and 1.7×: seed 0 is level). Those runs need 10–23 epochs, so raise *max
    epochs* to 30 or more with that data. On two and a half times as many luminance patches
    (5,000, a committed 33-minute run) the median rises to 2.6× (2.4–2.7×); on 10,000 (three
    seeds, committed) it falls back to 2.0× (1.4–2.5×): those patches come from the same 232
    squares of the photographs. Cut the 5,000 patches from the photographs at 512 pixels (944
    squares; committed runs of up to 80 epochs, about an hour a seed on one core) and the ReLU
    net reaches 25% in 18–23 epochs, the tanh net in 60–65: a median of 3.3× (2.8–3.3×), each
    net at its own best rate.

    A *regime* fixes two things the paper chose and most code today does differently: the
    pixel scale (raw 0–255 values minus the mean image, §2, or the same divided by 255) and the
    initialisation (N(0, 0.01²) weights with §5's biases, or a fan-in gain per activation). The
    two crossed regimes change one switch at a time. The line under the curves prints the
    speed-up this run measured (tanh epochs / ReLU epochs); when tanh never reaches the target
    it is a lower bound. The default settings train once when the notebook opens; other
    settings wait for the button (about 10–25 s on 2 CPU cores). Each setting is trained once
    and kept, so going back to one shows it at once.
    """)
    return


@app.cell
def _(mo, relu_speed):
    _pixels = {"paper": "0–255 pixels", "unit": "0–1 pixels"}
    _inits = {"paper": "N(0, 0.01²) init", "gain": "gain init"}
    _regimes = {
        f"{name}: {_pixels[pixels]}, {_inits[init]}": name
        for name, (pixels, init) in relu_speed.REGIMES.items()
    }
    _rates = {"both at ReLU's best rate": "shared", "each its own best rate (§3.1)": "own"}
    _data = {"colour patches": "colour", "luminance only (texture)": "grey"}
    # regime, seed, max epochs, rates, data: trained when the notebook opens
    RELU_DEFAULTS = ("paper", 0, 12, "shared", "colour")
    relu_regime = mo.ui.dropdown(_regimes, value=next(iter(_regimes)), label="regime")
    relu_rates = mo.ui.dropdown(_rates, value=next(iter(_rates)), label="learning rates")
    relu_seed = mo.ui.number(start=0, stop=99, step=1, value=RELU_DEFAULTS[1], label="seed")
    relu_epochs = mo.ui.slider(4, 40, value=RELU_DEFAULTS[2], label="max epochs", show_value=True)
    relu_data = mo.ui.dropdown(_data, value=next(iter(_data)), label="data")
    run_relu = mo.ui.run_button(label="train ReLU and tanh (10–25 s; up to 80 s at 40 epochs)")
    relu_runs = {}  # settings -> Fig1Result: one training per setting
    mo.hstack(
        [relu_regime, relu_data, relu_rates, relu_seed, relu_epochs, run_relu], justify="start", gap=2, wrap=True
    )
    return RELU_DEFAULTS, relu_data, relu_epochs, relu_rates, relu_regime, relu_runs, relu_seed, run_relu


@app.cell
def relu_experiment(
    RELU_DEFAULTS,
    device,
    mo,
    page_drawn,
    relu_data,
    relu_epochs,
    relu_rates,
    relu_regime,
    relu_runs,
    relu_seed,
    relu_speed,
    run_relu,
):
    mo.stop(not page_drawn)  # defined by the last cell: the other sections draw before this run
    _settings = (relu_regime.value, int(relu_seed.value), relu_epochs.value, relu_rates.value, relu_data.value)
    relu_grey = _settings[4] == "grey"
    mo.stop(
        not run_relu.value and _settings != RELU_DEFAULTS,
        mo.md("*Press **train ReLU and tanh** to train with these settings (10–25 s on 2 cores).*"),
    )
    with mo.status.spinner(
        title=f"Training a ReLU net, then a tanh net ({_settings[0]} regime, seed {_settings[1]})",
        subtitle="about 1 s an epoch per net on 2 CPU cores",
    ):
        if _settings not in relu_runs:
            _rate = relu_speed.BEST_LR[(_settings[0], "relu")]
            _shared = {"relu": _rate, "tanh": _rate} if _settings[3] == "shared" else None
            relu_runs[_settings] = relu_speed.fig1(
                _settings[0], _settings[1], max_epochs=_settings[2], learning_rates=_shared,
                grey=relu_grey, device=device,
            )
        relu_result = relu_runs[_settings]
    return relu_grey, relu_result


@app.cell
def _(anc, mo, relu_grey, relu_result):
    _names = {"relu": "ReLU", "tanh": "tanh"}
    _curves = anc.viz.training_curves(
        {f"{_names[a]} (lr {relu_result.learning_rates[a]:g})": h for a, h in relu_result.histories.items()},
        target=relu_result.target,
        title=f"Fig. 1 on natural {'luminance ' if relu_grey else ''}patches: {relu_result.regime} regime, "
        f"seed {relu_result.seed}",
    )
    _relu, _tanh = relu_result.epochs["relu"], relu_result.epochs["tanh"]
    _target = f"{relu_result.target:.0%} training error"
    if relu_result.speedup is None:
        _verdict = (
            f"ReLU did not reach {_target} within {relu_result.max_epochs} epochs "
            f"(tanh: {_tanh or 'not either'}), so there is no speed-up to print."
        )
    elif relu_result.lower_bound:
        _verdict = (
            f"ReLU reached {_target} in **{_relu}** epochs; tanh did not within "
            f"{relu_result.max_epochs}, so the speed-up is at least **{relu_result.speedup:.1f}×** "
            "(a lower bound)."
        )
    else:
        _verdict = (
            f"Epochs to {_target}: ReLU **{_relu}**, tanh **{_tanh}**; speed-up (tanh epochs / "
            f"ReLU epochs) **{relu_result.speedup:.2g}×**."
        )
    _rates = relu_result.learning_rates
    _own = (
        " Chapter 3's median at each net's own best rate on this data: 1.7× over seeds 0–2 (1.0–2.3×)."
        if relu_grey
        else " On colour patches tanh catches up at its own rate (chapter 3: median 0.83×)."
    )
    _how = (
        f" Both nets ran at lr {_rates['relu']:g}, ReLU's best: a shared rate flatters ReLU."
        if _rates["relu"] == _rates["tanh"]
        else " Each net ran at its own best rate (the best of chapter 3's grid), as in §3.1."
    ) + _own
    mo.vstack([_curves, mo.md(_verdict + _how + " The paper: six times faster, on CIFAR-10.")])
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
    lrn_k = mo.ui.slider(0.5, 4.0, step=0.5, value=2.0, label="k", show_value=True)
    lrn_n = mo.ui.slider(1, 15, step=2, value=5, label="n", show_value=True)
    lrn_alpha = mo.ui.dropdown(["1e-05", "0.0001", "0.001", "0.01", "0.1"], value="0.0001", label="α")
    lrn_beta = mo.ui.slider(0.25, 1.5, step=0.25, value=0.75, label="β", show_value=True)
    lrn_convention = mo.ui.dropdown(["paper", "pytorch"], value="paper", label="convention")
    mo.hstack([lrn_k, lrn_n, lrn_alpha, lrn_beta, lrn_convention], justify="start", wrap=True)
    return lrn_alpha, lrn_beta, lrn_convention, lrn_k, lrn_n


@app.cell
def _(anc, conv1_relu, lrn_alpha, lrn_beta, lrn_convention, lrn_k, lrn_n, mo):
    normalised = anc.local_response_norm(
        conv1_relu, size=lrn_n.value, alpha=float(lrn_alpha.value), beta=lrn_beta.value, k=lrn_k.value,
        convention=lrn_convention.value,
    )
    _active = conv1_relu > 0
    _factor = normalised[_active] / conv1_relu[_active]  # b / a of every active unit
    # One colour scale for both rows: LRN only ever shrinks a unit, and a scale of its own per
    # panel would hide by how much.
    lrn_figure, _axes = anc.viz.subplots(2, 8, figsize=(10, 3.2))
    lrn_figure.set_layout_engine("constrained")
    _top = conv1_relu[0, :8].max().item()
    for _row, (_maps, _name) in enumerate(((conv1_relu[0], "a"), (normalised[0], "b"))):
        for _channel, _ax in enumerate(_axes[_row]):
            _picture = _ax.imshow(_maps[_channel].numpy(), cmap="viridis", vmin=0, vmax=_top)
            _ax.set_axis_off()
            _ax.set_title(f"{_name}, map #{_channel}", fontsize=8)
    lrn_figure.colorbar(_picture, ax=_axes, shrink=0.9, label="activation")
    lrn_figure.suptitle(
        "conv1 maps 0–7: top, a (conv1 + ReLU); bottom, b (after LRN); one colour scale", fontsize=10
    )
    mo.vstack(
        [
            lrn_figure,
            mo.md(
                f"Over every active conv1 unit, b / a runs from **{_factor.min().item():.4f}** to "
                f"**{_factor.max().item():.4f}** (median {_factor.median().item():.4f}); with no "
                f"neighbours it would be k^−β = {lrn_k.value ** -lrn_beta.value:.4f}. The spread below "
                "that is the competition between neighbouring maps: raise α to see it grow."
            ),
        ]
    )
    return (normalised,)


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
    dropout_p = mo.ui.slider(0.0, 0.9, step=0.1, value=0.5, label="p", show_value=True)
    dropout_p
    return (dropout_p,)


@app.cell
def _(anc, dropout_p, matplotlib, mo, torch):
    _p = dropout_p.value
    _units = torch.ones(1, 16 * 16)
    _paper, _inverted = anc.PaperDropout(_p), torch.nn.Dropout(_p)
    torch.manual_seed(0)
    _paper_train = _paper.train()(_units)
    torch.manual_seed(0)  # the two layers draw their masks differently: the patterns differ too
    _inverted_train = _inverted.train()(_units)
    dropout_summary = {
        "paper, training (mean)": _paper_train.mean().item(),
        "paper, test (×(1−p))": _paper.eval()(_units).mean().item(),
        "inverted, training (mean)": _inverted_train.mean().item(),
        "inverted, test (identity)": _inverted.eval()(_units).mean().item(),
    }
    # One colour scale for both masks; dropped units (0) fall below it and draw light grey.
    _colours = matplotlib.colormaps["viridis"].with_extremes(under="#d9d9d9")
    dropout_masks_figure, _axes = anc.viz.subplots(1, 2, figsize=(6.4, 3.2))
    dropout_masks_figure.set_layout_engine("constrained")
    _titles = ("paper: kept units output 1", f"inverted: kept units output 1/(1−p) = {1 / (1 - _p):.3g}")
    for _ax, _values, _title in zip(_axes, (_paper_train, _inverted_train), _titles):
        _picture = _ax.imshow(
            _values.view(16, 16).numpy(), cmap=_colours, vmin=0.5, vmax=max(1.5, 1 / (1 - _p)),
            interpolation="nearest",
        )
        _ax.set_title(_title, fontsize=9)
        _ax.set_axis_off()
    dropout_masks_figure.colorbar(_picture, ax=_axes, extend="min", shrink=0.8, label="output (grey: dropped, 0)")
    dropout_masks_figure.suptitle(f"One training pass of 256 units that all input 1, p = {_p:g}", fontsize=10)
    mo.vstack([dropout_masks_figure, mo.md("\n".join(f"- {k}: **{v:.3f}**" for k, v in dropout_summary.items()))])
    return (dropout_summary,)


@app.cell
def _(mo):
    mo.md(r"""
    **Does it help?** `regularisation.dropout_overfit` trains §3.1's conv stack under fc6/fc7 of
    1,024 units twice from one seed, with dropout 0.5 and without, on 500 natural photo patches
    (1,000 test patches, the same for every seed; the seed draws the weights, the batch order
    and the masks), 30 epochs. Both nets memorise their training patches; chapter 5's five
    committed seeds find dropout's effect on the test error and on the test loss within noise,
    and convergence slower on every seed (1.25–2×, median 1.4×). Those 500 patches come from
    only 232 distinct squares of the photographs. With **data: 5,000 patches**, cut from the
    photographs at 512 pixels (944 squares; about 5 minutes), chapter 5's five seeds all end
    lower in test error with dropout, by 0.2 to 2.6 points (medians 11.1% against 12.5%), inside
    the 2-point spread across seeds, and a sixth seed (9) ends 1.4 points higher: a lean towards
    dropout, not a result. Pick a setting and a seed and see one run for yourself.
    """)
    return


@app.cell
def _(mo):
    dropout_seed = mo.ui.number(start=0, stop=99, step=1, value=0, label="seed")
    dropout_data = mo.ui.dropdown(
        {"500 patches (photos at 256 px; about 40 s)": "small",
         "5,000 patches (photos at 512 px; about 5 min)": "large"},
        value="500 patches (photos at 256 px; about 40 s)", label="data",
    )
    run_dropout = mo.ui.run_button(label="train with and without dropout")
    mo.hstack([dropout_data, dropout_seed, run_dropout], justify="start", gap=2)
    return dropout_data, dropout_seed, run_dropout


@app.cell
def dropout_experiment(anc, device, dropout_data, dropout_seed, mo, regularisation, run_dropout):
    dropout_run = None  # nothing trains until the button is pressed
    if run_dropout.value:
        _large = dropout_data.value == "large"
        _sizes = regularisation.DROPOUT_LARGE if _large else {}
        _time = "about 5 min" if _large else "about 40 s"
        with mo.status.spinner(title="Training with and without dropout", subtitle=f"{_time} on 2 CPU cores"):
            dropout_run = regularisation.dropout_overfit(seed=int(dropout_seed.value), device=device, **_sizes)
    if dropout_run is None:
        _shown = mo.md("*Press the button to train the two nets.*")
    else:
        _records = dropout_run.records
        _final = regularisation.final_error
        _lines = [
            f"- {_label}: clean training error **{_final(_r.clean_train_error):.1%}**, test error "
            f"**{_final(_r.history.test_error):.1%}**, test loss **{_final(_r.history.test_loss):.3f}**, "
            f"epochs to 5% training error: {dropout_run.epochs_to_converge[_label]}"
            for _label, _r in _records.items()
        ]
        _shown = mo.vstack([
            mo.hstack([
                anc.viz.fit_curves(_records, title=f"Error, seed {dropout_run.seed}"),
                anc.viz.fit_curves(_records, metric="loss", title="Cross-entropy"),
            ]),
            mo.md("Means of the last five epochs:\n\n" + "\n".join(_lines)),
        ])
    _shown
    return (dropout_run,)


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
    crop_top = mo.ui.slider(0, 32, value=16, label="top", show_value=True)
    crop_left = mo.ui.slider(0, 32, value=16, label="left", show_value=True)
    crop_flip = mo.ui.switch(value=False, label="flip")
    alpha_1 = mo.ui.slider(-0.3, 0.3, step=0.05, value=0.0, label="α1", show_value=True)
    alpha_2 = mo.ui.slider(-0.3, 0.3, step=0.05, value=0.0, label="α2", show_value=True)
    alpha_3 = mo.ui.slider(-0.3, 0.3, step=0.05, value=0.0, label="α3", show_value=True)
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
    trained on 4,000 natural 32×32 patches (`first_layer_filters`: 6 epochs, random crops and
    flips, mean image off; 30–60 s on 2 CPU cores). In a minute of training the kernels W barely
    leave their random start W₀, so the grid draws what training *added*, W − W₀, per tower as in
    Fig. 3, and prints its mean lag-1 spatial autocorrelation: about 0 for noise, towards 1 for
    smooth kernels such as edges and colour blobs. Until you press the button, the section shows
    the net chapter 9 trained once for 12 epochs on 3,000 patches and committed
    (`book/data/filters.pt`, made by `python -m alexnet_core.lab.kernels --epochs 12
    --per-class 300`); the button trains a fresh, shorter one from the seed you choose.
    """)
    return


@app.cell
def _(FULL_SCALE, mo):
    filters_seed = mo.ui.number(start=0, stop=99, step=1, value=0, label="seed")
    if FULL_SCALE:
        run_filters = mo.ui.run_button(kind="warn", label="download CIFAR-10 and train 30 epochs")
        _note = mo.callout(
            mo.md(
                "**Full scale** trains on CIFAR-10 instead: the button downloads it (about 170 MB, "
                "into `data/`, unless it is there already), then trains 50,000 images for 30 epochs: "
                "about 60 times the quick run's work, roughly an hour on 2 CPU cores (much less on "
                "a GPU). Nothing runs until you press it."
            ),
            kind="warn",
        )
    else:
        run_filters = mo.ui.run_button(label="train the two-tower net (30–60 s)")
        _note = mo.md("")
    mo.vstack([mo.hstack([filters_seed, run_filters], justify="start", gap=2), _note])
    return filters_seed, run_filters


@app.cell
def _(
    FULL_SCALE,
    Path,
    SimpleNamespace,
    anc,
    device,
    filter_lab,
    filters_seed,
    mo,
    run_filters,
):
    filters_result = None  # nothing trains or downloads until the button is pressed
    filters_source = "trained here"
    if run_filters.value and FULL_SCALE:
        with mo.status.spinner(title="Downloading CIFAR-10 (about 170 MB) into data/"):
            _sets = [anc.cifar10("data", train=_train, download=True) for _train in (True, False)]
            _sets = [anc.as_tensors(_set) for _set in _sets]  # (N, 3, 32, 32) in [0, 1], (N,)
            _sets = [SimpleNamespace(images=_x, labels=_y, classes=tuple(range(10))) for _x, _y in _sets]
        with mo.status.spinner(title="Training 30 epochs on CIFAR-10", subtitle="roughly an hour on 2 CPU cores"):
            filters_result = filter_lab.first_layer_filters(
                int(filters_seed.value), epochs=30, device=device, data=tuple(_sets)
            )
    elif run_filters.value:
        with mo.status.spinner(title="Training the two-tower net on natural patches (6 epochs)", subtitle="30–60 s on 2 CPU cores"):
            filters_result = filter_lab.first_layer_filters(int(filters_seed.value), device=device)
    else:  # the net chapter 9 loads, if this is a checkout of the book's repository
        _committed = (mo.notebook_dir() or Path.cwd() / "notebooks").parent / "book" / "data" / "filters.pt"
        if _committed.exists():
            with mo.status.spinner(title="Loading chapter 9's trained net (book/data/filters.pt)"):
                filters_result = filter_lab.load_filters(str(_committed))
            filters_source = "committed by chapter 9 (book/data/filters.pt)"
    return filters_result, filters_source


@app.cell
def _(anc, filters_result, filters_source, mo):
    def _laid_out(figure):
        figure.set_layout_engine("constrained")  # room for the title above the panel labels
        return figure

    if filters_result is None:
        _shown = mo.md("*Not trained yet: press the button above to train the net and draw its kernels.*")
    else:
        _epochs = len(filters_result.history)
        _colour = filters_result.tower_colourfulness
        _shown = mo.vstack(
            [
                _laid_out(anc.viz.filter_grid(
                    filters_result.change, towers=2, columns=12,
                    title=f"What {_epochs} epochs of training added to the 96 conv1 kernels (W − W₀)",
                )),
                mo.md(
                    f"Mean lag-1 spatial autocorrelation of what training added (W − W₀): "
                    f"**{filters_result.autocorrelation:.2f}**; of the random start W₀: "
                    f"**{filters_result.autocorrelation_at_init:.2f}**; of the trained W itself: "
                    f"{filters_result.autocorrelation_trained:.2f}. Mean colourfulness of the change "
                    f"per tower: {_colour[0]:.3f} and {_colour[1]:.3f} (permutation p = "
                    f"{filters_result.tower_p:.2f}). Test error after {_epochs} epochs: "
                    f"{filters_result.history.test_error[-1]:.1%} (10 classes, chance 90%); "
                    f"Net {filters_source}; {filters_result.seconds:.0f} s of training."
                ),
                _laid_out(anc.viz.filter_grid(
                    filters_result.initial, towers=2, columns=12, title="For comparison: the random start W₀"
                )),
            ]
        )
    _shown
    return


@app.cell
def _(anc, filters_result, filters_source, torch):
    _photo = anc.sample_photo("astronaut", size=32)[None]  # (1, 3, 32, 32)
    if filters_result is None:
        torch.manual_seed(0)
        towers_model = anc.alexnet("cifar_towers", num_classes=10, dropout=0.0).eval()
        towers_input, towers_state = _photo, "untrained net (random weights)"
    else:
        towers_model = filters_result.model.cpu().eval()
        _preprocess = filters_result.preprocess.to("cpu")  # the patches' 40×40 mean, centre 32
        _side = _preprocess.mean.shape[-1] if _preprocess.mean is not None else 32
        towers_input = _preprocess.test(anc.sample_photo("astronaut", size=_side)[None])
        towers_state = f"net trained {len(filters_result.history)} epochs, {filters_source}"
    return towers_input, towers_model, towers_state


@app.cell
def _(mo):
    layer_choice = mo.ui.dropdown(["relu1", "lrn1", "pool1", "relu2", "relu3", "relu4", "relu5"], value="relu1", label="layer")
    layer_choice
    return (layer_choice,)


@app.cell
def _(anc, layer_choice, towers_input, towers_model):
    layer_maps = anc.capture_activations(towers_model, towers_input, layer_choice.value)[layer_choice.value][0]  # (C, H, W)
    return (layer_maps,)


@app.cell
def channel_controls(layer_maps, mo):
    # The range follows the chosen layer: 96 maps for relu1, 192 for relu3 and relu4.
    channel_start = mo.ui.slider(
        steps=list(range(0, layer_maps.shape[0], 16)), value=0, show_value=True,
        label=f"first channel (of {layer_maps.shape[0]})",
    )
    channel_start
    return (channel_start,)


@app.cell
def _(anc, channel_start, layer_choice, layer_maps, towers_state):
    _first = channel_start.value
    _figure = anc.viz.activation_grid(
        layer_maps, channels=range(_first, min(_first + 16, layer_maps.shape[0])),
        title=f"{layer_choice.value} of the astronaut, {towers_state}: {tuple(layer_maps.shape)}",
    )
    _figure.set_layout_engine("constrained")  # room for the title above the panel labels
    _figure
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


@app.cell
def _(measured_bytes):
    # marimo runs ready cells in file order. The ReLU training (10–25 s) reads this name, so it
    # waits until every section above has drawn instead of holding them back.
    page_drawn = measured_bytes > 0
    return (page_drawn,)


if __name__ == "__main__":
    app.run()
