"Every registered (model type, backbone) pair builds, runs forward + backward, and gives the right shapes."
import pytest
import torch

from lightning_pose_nb.core import default_config_path, load_config
from lightning_pose_nb.models import BACKBONES, MODELS, get_model
from lightning_pose_nb.models.backbones import is_vit
from lightning_pose_nb.testing import toy_batch

# every supervised model type with every backbone it accepts (the regression model takes ConvNets only);
# context models get (B,5,3,H,W) windows
MULTIVIEW_ONLY = {"heatmap_multiview_transformer"}   # needs several views and a ViT


def accepted(model_type, backbone):
    family = BACKBONES[backbone].family
    if model_type == "regression": return not is_vit(backbone)   # transformers (ViT, SAM, SAM2) are heatmap-only
    if model_type in MULTIVIEW_ONLY: return family == "vit"
    return True


PAIRS = [(t, b) for t in MODELS for b in BACKBONES if False in MODELS[t] and accepted(t, b)]


@pytest.mark.parametrize("model_type,backbone", PAIRS)
def test_forward_backward(model_type, backbone):
    V = 2 if model_type in MULTIVIEW_ONLY else 1
    data = {"image_resize_dims": {"height": 64, "width": 64}}
    if V > 1: data.update(view_names=["top", "bot"], csv_file=["a.csv", "b.csv"])
    cfg = load_config(default_config_path(), {"model": {"model_type": model_type, "backbone": backbone}, "data": data},
                      warn=False)
    model = get_model(cfg)
    K = 17 * V
    batch = toy_batch(17, num_views=V, context=model.requires_context)
    batch["images"] = torch.randn(batch["images"].shape)   # already normalised, as after the batch hook
    inputs = model.get_loss_inputs_labeled(batch)
    rows = 4 if model.requires_context else 2  # context models stack [single-frame; multi-frame]
    assert inputs["keypoints_pred"].shape == (rows, 2 * K)
    if "heatmaps_pred" in inputs:
        assert inputs["heatmaps_pred"].shape == (rows, K, 16, 16)
    loss, _ = model.loss_factory("train", **inputs)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    kp, conf = model.predict_step(batch)
    assert kp.shape == (2, 2 * K) and conf.shape == (2, K)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_train_step_on_gpu(tiny_config, tmp_path):
    from lightning_pose_nb.train import train
    res = train(tiny_config, tmp_path / "gpu", accelerator="gpu", progress=False)
    assert (res.model_dir / "predictions.csv").exists()
