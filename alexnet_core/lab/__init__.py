"""The lab: what the chapters measure and demonstrate, beside the paper's core.

Each module serves a concept a chapter explores, built from the core (layers 1–3) and never
imported by it: ``results`` (the paper's tables, top-k errors), ``activations`` (ReLU vs tanh),
``lrn_effect`` (what LRN does to activations), ``dropout`` (masks and scaling), ``overfitting``
(the generalisation gap), ``pooling`` (window arithmetic), ``crop_test`` (ten-crop testing),
``memory`` (a training step's memory), ``speed`` (augmentation timing), ``filters`` (colour of
first-layer kernels), ``pretrained`` (torchvision's weights), ``init`` (He and gain
initialisation) and ``experiments`` (ablations and learning-rate sweeps). No module here
imports matplotlib, ipywidgets or marimo.
"""
