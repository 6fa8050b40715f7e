"Pretrained backbones without a network: every registered name fills all its tensors from its provider's file."
import pytest
import torch
import yaml

from lightning_pose_nb.models.backbones import BACKBONES, build_backbone
from lightning_pose_nb.models.weights import empty_caches, fetch_weights
from lightning_pose_nb.testing import fill_weight_cache
from conftest import run_cli

# one tensor per provider layout whose value must arrive unchanged: (our key, the file's key)
PROBES = {"torchvision_resnet": ("layer4.0.conv2.weight", "layer4.0.conv2.weight"),
          "openmmlab": ("layer4.0.conv2.weight", "backbone.layer4.0.conv2.weight"),
          "efficientnet": ("conv_head.weight", None),  # the file's last `features.*` conv: found below
          "timm": ("blocks.1.norm1.weight", "blocks.1.norm1.weight")}


def probe(name, spec):
    if spec.weights.startswith("openmmlab"): return PROBES["openmmlab"]
    if spec.family == "efficientnet": return PROBES["efficientnet"]
    if spec.family == "resnet": return PROBES["torchvision_resnet"]
    return PROBES["timm"]


@pytest.mark.parametrize("name", list(BACKBONES))
def test_pretrained_fills_every_tensor(name, tmp_path):
    spec = BACKBONES[name]
    with empty_caches(tmp_path):
        sd = fill_weight_cache(name)
        bb, nf = build_backbone(name, pretrained=True, image_size=64)   # require_all: a partial load would raise
        ours, theirs = probe(name, spec)
        if theirs is None: theirs = [k for k in sd if k.startswith("features.") and k.endswith(".0.weight")][-1]
        if name.endswith("sam2"): ours = "blocks.1.norm1.weight"
        assert torch.equal(bb.model.state_dict()[ours], sd[theirs]), (ours, theirs)
        side = 64
        with torch.no_grad(): out = bb(torch.randn(1, 3, side, side))
        assert out.shape == (1, nf, side // spec.stride, side // spec.stride)
        assert torch.isfinite(out).all()


def test_cached_file_is_used_offline(tmp_path):
    with empty_caches(tmp_path):
        fill_weight_cache("resnet18")
        first = fetch_weights("resnet18", BACKBONES["resnet18"].weights)
        assert fetch_weights("resnet18", BACKBONES["resnet18"].weights) == first and first.is_relative_to(tmp_path)


def test_reference_default_backbone_uses_cache_or_stops(tmp_path, fast_config):
    "A reference-style config (resnet50_animal_ap10k, no backbone_pretrained key) never trains from random weights silently."
    cfg = yaml.safe_load(fast_config.read_text())
    cfg["model"]["backbone"] = "resnet50_animal_ap10k"
    del cfg["model"]["backbone_pretrained"]
    cfg["eval"]["predict_vids_after_training"] = False
    path = tmp_path / "ref_style.yaml"
    path.write_text(yaml.safe_dump(cfg))
    with empty_caches(tmp_path / "empty"):
        res = run_cli("lpnb-train", path, "--output-dir", tmp_path / "m0", "--accelerator", "cpu", check=False)
    assert res.returncode == 2, res.stderr[-2000:]
    err = res.stderr
    for part in ("resnet50_animal_ap10k", "https://download.openmmlab.com/mmpose/animal/resnet/res50_ap10k_256x256-35760eb8_20211029.pth",
                 str(tmp_path / "empty" / "torch" / "hub" / "checkpoints"), "backbone_pretrained: false", "backbone_checkpoint"):
        assert part in err, (part, err[-1500:])
    assert not (tmp_path / "m0").exists()   # nothing written: the run can simply be repeated
    with empty_caches(tmp_path / "filled"):
        fill_weight_cache("resnet50_animal_ap10k")
        run_cli("lpnb-train", path, "--output-dir", tmp_path / "m1", "--accelerator", "cpu")
    assert (tmp_path / "m1" / "predictions.csv").exists()
