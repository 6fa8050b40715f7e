"Distributed training through Lightning's DDP on 2 CPU processes (gloo): what GPUs and nodes run, checked on CI."
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import yaml


HELPERS = Path(__file__).parent / "helpers"


def ddp_config(tiny_config: Path, tmp_path: Path, semi: bool = False) -> Path:
    cfg = yaml.safe_load(Path(tiny_config).read_text())
    cfg["training"].update(accelerator="cpu", devices=2, num_workers=0)
    cfg["eval"]["save_vids_after_training"] = False
    if semi:
        cfg["model"]["losses_to_use"] = ["temporal", "pca_singleview"]
        cfg["dali"] = {"base": {"train": {"sequence_length": 8}}, "context": {"train": {"batch_size": 8}}}
    path = tmp_path / ("ddp_semi.yaml" if semi else "ddp.yaml")
    path.write_text(yaml.safe_dump(cfg))
    return path


def train_ddp(config: Path, out: Path, digests: Path):
    "Train as `lpnb-train` does, each rank writing a digest of its final weights into `digests`."
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, str(HELPERS / "train_with_digest.py"), str(config), str(out), str(digests)],
                         capture_output=True, text=True, timeout=900, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res


@pytest.mark.parametrize("semi", [False, True], ids=["supervised", "semi-supervised"])
def test_two_cpu_ranks_train_and_write_once(tiny_config, fast_config, tmp_path, semi):
    out, digests = tmp_path / "model", tmp_path / "digests"
    # supervised: 8 frames, one step per rank; semi-supervised: the tiny job (its PCA losses need the frames)
    res = train_ddp(ddp_config(tiny_config if semi else fast_config, tmp_path, semi), out, digests)
    assert res.stdout.count("mean pixel error") == 1  # rank 1 trains but reports nothing
    # every output exactly once, from rank 0
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert [n for n in names if n.endswith("-best.ckpt")].__len__() == 1, names
    for f in ("config.yaml", "summary.json", "predictions.csv", "last.ckpt", "video_preds/clip.csv", "logs/metrics.csv"):
        assert f in names, (f, names)
    assert not [n for n in names if "version_" in n or "rank" in n], names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["global_step"] > 0 and np.isfinite(summary["pixel_error"]["all"])
    # the two ranks ended with the same weights
    ranks = sorted(digests.glob("rank?.txt"))
    assert [p.name for p in ranks] == ["rank0.txt", "rank1.txt"]
    assert ranks[0].read_text() == ranks[1].read_text()


def test_two_ranks_of_four_equal_one_rank_of_eight(tmp_path):
    "First step: 2 ranks x 4 frames give the loss and gradient of 1 rank x 8 frames (DDP averages the gradients)."
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    script = str(HELPERS / "ddp_grad_check.py")
    subprocess.run([sys.executable, script, str(tmp_path / "one.npz")], check=True, env=env, timeout=300)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29533"]
    res = subprocess.run(torchrun + [script, str(tmp_path / "two.npz")], env=env, timeout=300, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    one, two = (dict(np.load(tmp_path / f)) for f in ("one.npz", "two.npz"))
    assert abs(float(one["loss"]) - float(two["loss"])) < 1e-6 * max(1, abs(float(one["loss"])))
    g1, g2 = np.array(one["grad"]), np.array(two["grad"])
    assert g1.shape == g2.shape and np.abs(g1).max() > 0
    np.testing.assert_allclose(g2, g1, rtol=1e-4, atol=1e-6 * np.abs(g1).max())
