"Every registered (model type, backbone) pair builds, runs forward + backward, and gives the right shapes."
import pytest
import torch

from lightning_pose_nb.core import default_config_path, load_config
from lightning_pose_nb.models import BACKBONES, MODELS, get_model

VIT_FAMILIES = ("vit", "sam")
# every supervised model type with every backbone it accepts (the regression model takes ConvNets only);
# context models get (B,5,3,H,W) windows
PAIRS = [(t, b) for t in MODELS for b in BACKBONES
         if False in MODELS[t] and not (t == "regression" and BACKBONES[b].family in VIT_FAMILIES)]


@pytest.mark.parametrize("model_type,backbone", PAIRS)
def test_forward_backward(model_type, backbone):
    cfg = load_config(default_config_path(), {"model": {"model_type": model_type, "backbone": backbone},
                                              "data": {"image_resize_dims": {"height": 64, "width": 64}}}, warn=False)
    model = get_model(cfg)
    images = torch.randn(2, 5, 3, 64, 64) if model.requires_context else torch.randn(2, 3, 64, 64)
    batch = {"images": images, "bbox": torch.tensor([[0., 0., 406., 396.]] * 2),
             "keypoints": torch.rand(2, 34) * 60, "heatmaps": torch.rand(2, 17, 16, 16)}
    inputs = model.get_loss_inputs_labeled(batch)
    rows = 4 if model.requires_context else 2  # context models stack [single-frame; multi-frame]
    assert inputs["keypoints_pred"].shape == (rows, 34)
    if "heatmaps_pred" in inputs:
        assert inputs["heatmaps_pred"].shape == (rows, 17, 16, 16)
    loss, _ = model.loss_factory("train", **inputs)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    kp, conf = model.predict_step(batch)
    assert kp.shape == (2, 34) and conf.shape == (2, 17)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_train_step_on_gpu(tiny_config, tmp_path):
    from lightning_pose_nb.train import train
    res = train(tiny_config, tmp_path / "gpu", accelerator="gpu", progress=False)
    assert (res.model_dir / "predictions.csv").exists()
