"""Tests for the command-line trainer (python -m alexnet_core), including torchrun with gloo on CPU."""

import json
import socket
import subprocess
import sys

import pytest
import torch

from alexnet_core.cli import main
from alexnet_core.checkpoint import load_checkpoint

TINY = ["--dataset", "offline", "--num-train", "64", "--num-test", "32", "--batch-size", "32", "--variant", "fig1", "--no-progress"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "alexnet_core", *args], capture_output=True, text=True, timeout=600)


def test_offline_run_writes_log_and_checkpoint(tmp_path, capsys):
    assert main([*TINY, "--epochs", "2", "--checkpoint-dir", str(tmp_path)]) == 0
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2] and lines[0]["world_size"] == 1
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert state["epoch"] == 2 and "features.0.weight" in state["model"]
    assert "epoch 2: train error" in capsys.readouterr().out


def test_resume_equals_an_uninterrupted_run(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert main([*TINY, "--epochs", "3", "--augment", "--checkpoint-dir", str(straight)]) == 0
    assert main([*TINY, "--epochs", "1", "--augment", "--checkpoint-dir", str(resumed)]) == 0
    assert main([*TINY, "--epochs", "3", "--augment", "--checkpoint-dir", str(resumed), "--resume"]) == 0
    a, b = load_checkpoint(straight / "checkpoint.pt"), load_checkpoint(resumed / "checkpoint.pt")
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert a["history"]["train_loss"] == b["history"]["train_loss"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "0"], "--epochs: must be a positive int, got 0"),
        (["--dataset", "/no/such/folder"], "--dataset must be 'photos', 'offline', 'cifar10', a prepared folder or an ImageNet-style folder, got '/no/such/folder'"),
        (["--recipe", "fast"], "argument --recipe: invalid choice: 'fast'"),
        (["--init", "zeros"], "argument --init: invalid choice: 'zeros'"),
        (["--dropout", "1.5"], r"--dropout: must be in [0, 1), got 1.5"),
        (["--resume"], "--resume needs --checkpoint-dir"),
        (["--variant", "resnet"], "invalid choice: 'resnet'"),
        (["--variant", "cifar", "--two-tower", "cpu,cpu"], "--two-tower splits the paper's net"),
    ],
)
def test_bad_arguments_give_one_line_errors(args, message, capsys):
    # in-process (each subprocess costs 2 s of torch import); the process path is checked below
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    assert message in stderr.strip().splitlines()[-1]


def test_a_bad_argument_is_one_line_from_the_real_process():
    result = run_cli("--variant", "cifar", "--two-tower", "cpu,cpu")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--two-tower splits the paper's net" in result.stderr.strip().splitlines()[-1]


def test_help_explains_the_recipe():
    result = run_cli("--help")
    assert result.returncode == 0 and "torchrun" in result.stdout and "§5" in result.stdout
    text = " ".join(result.stdout.split())
    assert "'quick' (default): He init + batch 32" in text and "'paper': §5 exactly" in text
    assert "(default: None)" not in text


@pytest.mark.parametrize(
    "recipe, shown",
    [([], "recipe quick (not §5's: He init, batch 32"), (["--recipe", "paper"], "recipe paper (§5)")],
)
def test_photos_are_the_default_data_and_the_settings_are_printed(recipe, shown, capsys):
    assert main(["--num-train", "20", "--num-test", "10", "--epochs", "1", "--no-progress", *recipe]) == 0
    settings = capsys.readouterr().out.splitlines()[0]
    assert settings.startswith("settings: ") and shown in settings and "data photos: " in settings
    batch = "batch 128" if recipe else "batch 32"
    assert batch in settings and ("init paper" if recipe else "init he") in settings


def _jpeg_folder(root, classes=2, per_class=4, side=48):
    from PIL import Image

    g = torch.Generator().manual_seed(0)
    for label in range(classes):
        (root / f"class{label}").mkdir(parents=True)
        for index in range(per_class):
            pixels = (torch.rand(side, side, 3, generator=g) * 80 + 150 * label).byte().numpy()
            Image.fromarray(pixels).save(root / f"class{label}" / f"{index}.jpg")


def test_a_prepared_folder_trains_from_prepared_batches(tmp_path, capsys, monkeypatch):
    """python -m alexnet_core.prepared SRC DST, then --dataset DST: PreparedBatches feed train()."""
    from alexnet_core import cli
    from alexnet_core.prepared import PreparedBatches, prepare_folder

    for split in ("train", "val"):
        _jpeg_folder(tmp_path / "jpeg" / split)
        prepare_folder(tmp_path / "jpeg" / split, tmp_path / "prepared" / split, size=40, progress=False)
    seen = {}
    real = cli.train

    def spy(model, train_data, test_data, *args, **kwargs):
        seen["train"], seen["test"] = train_data, test_data
        return real(model, train_data, test_data, *args, **kwargs)

    monkeypatch.setattr(cli, "train", spy)
    run = tmp_path / "run"
    code = main(["--dataset", str(tmp_path / "prepared" / "train"), "--variant", "fig1", "--augment", "--epochs", "2",
                 "--batch-size", "4", "--no-progress", "--checkpoint-dir", str(run)])  # fmt: skip
    assert code == 0
    assert isinstance(seen["train"], PreparedBatches) and seen["train"].crop_size == 32
    assert seen["train"].eigvals is not None and seen["train"].mean.shape == (3, 40, 40)  # --augment: lighting
    assert isinstance(seen["test"], PreparedBatches) and not seen["test"].train
    assert "data prepared PreparedImages(" in capsys.readouterr().out
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2] and lines[1]["test_error"] is not None
    resumed = main(["--dataset", str(tmp_path / "prepared" / "train"), "--variant", "fig1", "--augment", "--epochs", "3",
                    "--batch-size", "4", "--no-progress", "--checkpoint-dir", str(run), "--resume"])  # fmt: skip
    assert resumed == 0 and load_checkpoint(run / "checkpoint.pt")["epoch"] == 3


def test_missing_cifar_without_download_is_a_clear_error(tmp_path):
    result = run_cli("--dataset", "cifar10", "--data-root", str(tmp_path), "--epochs", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "download" in result.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_torchrun_two_processes_match_one_process(tmp_path):
    """gloo on CPU: ranks stay identical after every step (the trainer checks) and equal a single process
    with the same global batch, to float tolerance. Only rank 0 writes the log and the checkpoint."""
    common = [*TINY, "--epochs", "2", "--no-shuffle"]
    ddp = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
         f"--master_port={free_port()}", "-m", "alexnet_core", *common, "--checkpoint-dir", str(tmp_path / "ddp")],
        capture_output=True, text=True, timeout=600,
    )
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert main([*common, "--checkpoint-dir", str(tmp_path / "single")]) == 0
    together, alone = load_checkpoint(tmp_path / "ddp" / "checkpoint.pt"), load_checkpoint(tmp_path / "single" / "checkpoint.pt")
    for key, value in alone["model"].items():
        torch.testing.assert_close(together["model"][f"module.{key}"], value, rtol=1e-5, atol=1e-6)
    lines = (tmp_path / "ddp" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["world_size"] == 2


def test_two_towers_on_one_cpu_train_the_papers_net(tmp_path, capsys):
    """--two-tower cpu,cpu: the §3.2 split runs end to end (folder data at 224, one epoch)."""
    from PIL import Image

    root = tmp_path / "train"
    for label, colour in enumerate([(200, 30, 10), (10, 120, 250)]):
        (root / f"class{label}").mkdir(parents=True)
        for index in range(2):
            Image.new("RGB", (230, 230), colour).save(root / f"class{label}" / f"{index}.png")
    folder = tmp_path / "run"
    code = main(["--dataset", str(root), "--variant", "paper", "--two-tower", "cpu,cpu", "--epochs", "1",
                 "--batch-size", "2", "--no-progress", "--checkpoint-dir", str(folder)])
    assert code == 0 and "epoch 1: train error" in capsys.readouterr().out
    state = load_checkpoint(folder / "checkpoint.pt")
    assert any(key.startswith("towers.1.stage2.") for key in state["model"])  # the split net was trained
    lines = (folder / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["epoch"] == 1


_SPY = """
import os, sys, torch
import alexnet_core.cli as cli

real = cli.train

def spy(model, *args, **kwargs):  # keep every rank's final parameters for the test to compare
    history = real(model, *args, **kwargs)
    state = {key: value.detach().clone() for key, value in model.state_dict().items()}
    torch.save(state, os.path.join(sys.argv[1], f"rank{os.environ['RANK']}.pt"))
    return history

cli.train = spy
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.mark.slow
def test_two_nodes_of_torchrun_end_identical_and_only_rank_0_writes(tmp_path):
    """Two "nodes" on 127.0.0.1 (c10d rendezvous, gloo, one process each), one tiny epoch."""
    pytest.importorskip("tensorboard")
    spy = tmp_path / "spy.py"
    spy.write_text(_SPY)
    endpoint = f"127.0.0.1:{free_port()}"
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", f"--node_rank={node}", "--nproc_per_node=1",
             "--rdzv_backend=c10d", f"--rdzv_endpoint={endpoint}", "--rdzv_id=test", str(spy), str(tmp_path), *TINY,
             "--epochs", "1", "--checkpoint-dir", str(tmp_path / f"run{node}"),
             "--tensorboard", str(tmp_path / f"tb{node}")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for node in (0, 1)
    ]  # fmt: skip
    outputs = [node.communicate(timeout=300)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], "\n".join(output[-3000:] for output in outputs)
    ranks = [torch.load(tmp_path / f"rank{rank}.pt", weights_only=True) for rank in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys()
    for key, value in ranks[0].items():
        assert torch.equal(value, ranks[1][key]), key
    written = [node for node in (0, 1) if (tmp_path / f"run{node}").exists() or (tmp_path / f"tb{node}").exists()]
    assert len(written) == 1  # the node that holds rank 0, and nothing from the other
    run = tmp_path / f"run{written[0]}"
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["world_size"] == 2
    assert load_checkpoint(run / "checkpoint.pt")["epoch"] == 1
    assert list((tmp_path / f"tb{written[0]}").glob("events.out.tfevents.*"))


def test_the_old_trainer_command_points_to_the_new_one_without_a_runpy_warning():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "alexnet_core.train"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "alexnet_core.train is the training loop, not a command: "
        "run `python -m alexnet_core --help` for the command-line trainer"
    ]
