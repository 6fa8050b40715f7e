"""A catalogue of bad inputs and faults, run as a user would meet them through `lpnb-train` / `lpnb-predict`.

Each case makes its own tiny broken input, runs the command in-process (exactly what the console script runs), and
checks: exit status 2, one line `<prog>: error: ...` naming the file or field, no traceback, and that the model
already in the output folder (trained once per session) is byte for byte what it was.
"""
import hashlib, shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from lightning_pose_nb.core import bundled_data_dir
from lightning_pose_nb.data.csv import read_keypoint_csv, write_keypoint_csv
from lightning_pose_nb.cli import lpnb_predict
from lightning_pose_nb.testing import write_clip, example_video
from lightning_pose_nb.cli import lpnb_train


def folder_hash(folder: Path) -> str:
    "One digest of every file's path and bytes under `folder`."
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file(): h.update(str(p.relative_to(folder)).encode()); h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    "Ten labeled frames of the example, in their own folder (the cases copy and break it)."
    root = tmp_path_factory.mktemp("tiny_data")
    table = read_keypoint_csv(bundled_data_dir() / "CollectedData.csv")
    for rel in table.index[:10]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundled_data_dir() / rel, root / rel)
    write_keypoint_csv(root / "CollectedData.csv", table.index[:10], table.keypoints[:10], table.names, scorer=table.scorer)
    return root


@pytest.fixture
def case(tiny_data, tiny_config, trained_model_dir, tmp_path):
    "A fresh copy of the data and of a trained model folder, and a config pointing at the copy."
    data = tmp_path / "data"; shutil.copytree(tiny_data, data)
    model = tmp_path / "model"; shutil.copytree(trained_model_dir, model)
    cfg = yaml.safe_load(Path(tiny_config).read_text())
    cfg["data"]["data_dir"] = str(data)
    cfg["eval"]["predict_vids_after_training"] = False
    return {"data": data, "model": model, "cfg": cfg, "tmp": tmp_path}


def run(cli, capsys, **kwargs):
    "Run a command in-process; returns (exit status, stderr)."
    with pytest.raises(SystemExit) as e: cli(**kwargs)
    return e.value.code, capsys.readouterr().err


def train_fails(case, capsys, expect, cfg=None, config_text=None, **kwargs):
    "Train into the existing model folder with --overwrite: it must fail before touching it, naming `expect`."
    path = case["tmp"] / "cfg.yaml"
    path.write_text(config_text if config_text is not None else yaml.safe_dump(cfg or case["cfg"]))
    before = folder_hash(case["model"])
    code, err = run(lpnb_train, capsys, config=str(path), output_dir=str(case["model"]),
                    **{"overwrite": True, "accelerator": "cpu", **kwargs})
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("lpnb-train: error: ") and "Traceback" not in err, err
    assert expect in lines[-1], lines[-1]
    assert folder_hash(case["model"]) == before, "the existing model folder changed"
    return lines[-1]


def set_(cfg, dotted, value):
    *head, last = dotted.split(".")
    node = cfg
    for k in head: node = node.setdefault(k, {})
    node[last] = value
    return cfg


CONFIG_CASES = {  # field set to a bad value -> what the message must name
    "typo in a field name": ("training.max_epoch", 1, "did you mean training.max_epochs?"),
    "typo in a model field": ("model.backone", "resnet18", "did you mean model.backbone?"),
    "unknown model type": ("model.model_type", "heatmapz", "model.model_type"),
    "unknown backbone": ("model.backbone", "resnet9", "model.backbone"),
    "resize not a multiple of 32": ("data.image_resize_dims.height", 100, "data.image_resize_dims.height"),
    "unknown optimizer": ("training.optimizer", "SGD", "training.optimizer"),
    "learning rate not a number": ("training.optimizer_params.learning_rate", "fast", "learning_rate"),
    "train_prob above 1": ("training.train_prob", 1.5, "training.train_prob"),
    "unknown augmentation": ("training.imgaug", "strong", "training.imgaug"),
    "unknown unsupervised loss": ("model.losses_to_use", ["temporall"], "model.losses_to_use"),
    "regression on a ViT": ("model.model_type", "regression", "model.backbone"),
    "data folder missing": ("data.data_dir", "/nonexistent/folder", "data.data_dir"),
    "PCA column out of range": ("data.columns_for_singleview_pca", [0, 40], "data.columns_for_singleview_pca"),
    "keypoint count mismatch": ("data.num_keypoints", 5, "data.num_keypoints"),
    "unknown keypoint name": ("data.keypoint_names", ["paw1LH_top", "snout"], "snout"),
    "two views, one CSV": ("data.view_names", ["top", "bot"], "data.csv_file"),
    "pca_multiview without matches": ("data.mirrored_column_matches", None, "data.mirrored_column_matches"),
    "semi-supervised without videos": ("data.video_dir", "/nonexistent/videos", "data.video_dir"),
}


@pytest.mark.parametrize("name", CONFIG_CASES)
def test_bad_config_value(name, case, capsys):
    field, value, expect = CONFIG_CASES[name]
    cfg = set_(case["cfg"], field, value)
    if name == "regression on a ViT": cfg["model"]["backbone"] = "vits_dino"
    if name == "pca_multiview without matches": cfg["model"]["losses_to_use"] = ["pca_multiview"]
    if name == "semi-supervised without videos": cfg["model"]["losses_to_use"] = ["temporal"]
    train_fails(case, capsys, expect, cfg)


def break_csv(data: Path, transform):
    "Rewrite the labels CSV's text through `transform`."
    p = data / "CollectedData.csv"
    p.write_text(transform(p.read_text()))


def test_config_not_yaml(case, capsys):
    train_fails(case, capsys, "cfg.yaml", config_text="data: [unclosed\n")


def test_config_file_missing(case, capsys):
    code, err = run(lpnb_train, capsys, config=str(case["tmp"] / "nope.yaml"), output_dir=str(case["tmp"] / "m"))
    assert code == 2 and "nope.yaml" in err and "Traceback" not in err


def test_labels_csv_missing(case, capsys):
    (case["data"] / "CollectedData.csv").unlink()
    train_fails(case, capsys, "CollectedData.csv")


def test_labels_not_dlc_format(case, capsys):
    break_csv(case["data"], lambda t: "image,x,y\nimg.png,1,2\n")
    train_fails(case, capsys, "CollectedData.csv")


def test_non_numeric_label(case, capsys):
    def bad(t):
        lines = t.splitlines(); cells = lines[4].split(","); cells[1] = "abc"; lines[4] = ",".join(cells)
        return "\n".join(lines) + "\n"
    break_csv(case["data"], bad)
    train_fails(case, capsys, "'abc'")


def test_missing_image(case, capsys):
    img = sorted((case["data"] / "labeled-data").rglob("*.png"))[3]
    img.unlink()
    train_fails(case, capsys, img.name)


def test_truncated_image(case, capsys):
    img = sorted((case["data"] / "labeled-data").rglob("*.png"))[2]
    img.write_bytes(img.read_bytes()[: img.stat().st_size // 2])
    train_fails(case, capsys, img.name)


def test_every_keypoint_unlabeled(case, capsys):
    t = read_keypoint_csv(case["data"] / "CollectedData.csv")
    write_keypoint_csv(case["data"] / "CollectedData.csv", t.index, np.full_like(t.keypoints, np.nan), t.names)
    train_fails(case, capsys, "no keypoint is labeled")


def test_multi_animal_csv(case, capsys):
    def four_rows(t):
        lines = t.splitlines()
        n = len(lines[0].split(",")) - 1
        return "\n".join(lines[:1] + ["individuals," + ",".join(["mouse1"] * n)] + lines[1:]) + "\n"
    break_csv(case["data"], four_rows)
    train_fails(case, capsys, "multi-animal")


def test_duplicate_keypoint_names(case, capsys):
    def dup(t):
        lines = t.splitlines(); lines[1] = lines[1].replace("paw2LF_top", "paw1LH_top"); return "\n".join(lines) + "\n"
    break_csv(case["data"], dup)
    case["cfg"]["data"]["keypoint_names"] = None; case["cfg"]["data"]["num_keypoints"] = None
    train_fails(case, capsys, "paw1LH_top")


def test_corrupt_video_to_predict_is_found_before_training(case, capsys):
    vids = case["tmp"] / "vids"; vids.mkdir()
    (vids / "broken.mp4").write_bytes(b"\x00" * 2000)
    case["cfg"]["eval"].update(predict_vids_after_training=True, test_videos_directory=str(vids))
    train_fails(case, capsys, "broken.mp4")


def test_semi_supervised_video_too_short(case, capsys):
    vids = case["tmp"] / "short"; write_clip(example_video(), vids / "v.mp4", 4)
    case["cfg"]["data"]["video_dir"] = str(vids); case["cfg"]["model"]["losses_to_use"] = ["temporal"]
    case["cfg"]["dali"]["base"]["train"]["sequence_length"] = 8
    train_fails(case, capsys, "v.mp4")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_gpu_requested_without_gpu(case, capsys):
    train_fails(case, capsys, "gpu", accelerator="gpu")


def test_existing_model_without_overwrite(case, capsys):
    "The worst case of the issue: a rerun into a model folder must not touch it."
    path = case["tmp"] / "cfg.yaml"; path.write_text(yaml.safe_dump(case["cfg"]))
    before = folder_hash(case["model"])
    code, err = run(lpnb_train, capsys, config=str(path), output_dir=str(case["model"]), accelerator="cpu")
    assert code == 2 and "--overwrite" in err and str(case["model"]) in err
    assert folder_hash(case["model"]) == before


def test_resume_without_last_checkpoint(case, capsys):
    (case["model"] / "last.ckpt").unlink(missing_ok=True)
    path = case["tmp"] / "cfg.yaml"; path.write_text(yaml.safe_dump(case["cfg"]))
    before = folder_hash(case["model"])
    code, err = run(lpnb_train, capsys, config=str(path), output_dir=str(case["model"]), resume=True)
    assert code == 2 and "nothing to resume" in err and folder_hash(case["model"]) == before


def test_resume_with_another_config(case, capsys):
    cfg = yaml.safe_load((case["model"] / "config.yaml").read_text())
    cfg["model"]["backbone"] = "resnet34"
    path = case["tmp"] / "cfg.yaml"; path.write_text(yaml.safe_dump(cfg))
    before = folder_hash(case["model"])
    code, err = run(lpnb_train, capsys, config=str(path), output_dir=str(case["model"]), resume=True)
    assert code == 2 and "model.backbone" in err and folder_hash(case["model"]) == before


def test_output_dir_is_a_file(case, capsys):
    f = case["tmp"] / "file"; f.write_text("x")
    path = case["tmp"] / "cfg.yaml"; path.write_text(yaml.safe_dump(case["cfg"]))
    code, err = run(lpnb_train, capsys, config=str(path), output_dir=str(f))
    assert code == 2 and "is a file" in err


def test_debug_shows_the_traceback(case, capsys):
    cfg = set_(case["cfg"], "model.backbone", "resnet9")
    path = case["tmp"] / "cfg.yaml"; path.write_text(yaml.safe_dump(cfg))
    from lightning_pose_nb.core import ConfigError
    with pytest.raises(ConfigError, match="model.backbone"):
        lpnb_train(config=str(path), output_dir=str(case["tmp"] / "m"), debug=True)


# ---- lpnb-predict

def predict_fails(case, capsys, expect, model_dir=None, inputs=()):
    model_dir = model_dir or case["model"]
    before = folder_hash(case["model"])
    with pytest.raises(SystemExit) as e: lpnb_predict(str(model_dir), *map(str, inputs), output_dir=str(case["tmp"] / "out"))
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("lpnb-predict: error: ") and "Traceback" not in err and expect in last, err
    assert folder_hash(case["model"]) == before
    return last


def test_predict_missing_model_folder(case, capsys):
    predict_fails(case, capsys, "model directory not found", model_dir=case["tmp"] / "nowhere", inputs=[example_video()])


def test_predict_folder_without_config(case, capsys):
    empty = case["tmp"] / "empty"; empty.mkdir()
    predict_fails(case, capsys, "no config.yaml", model_dir=empty, inputs=[example_video()])


def test_predict_truncated_checkpoint(case, capsys):
    ckpt = case["model"] / yaml.safe_load((case["model"] / "summary.json").read_text())["best_checkpoint"]
    ckpt.write_bytes(ckpt.read_bytes()[:5000])
    predict_fails(case, capsys, "cannot be read", inputs=[example_video()])


def test_predict_checkpoint_from_another_model(case, capsys):
    cfg = yaml.safe_load((case["model"] / "config.yaml").read_text())
    cfg["model"]["model_type"] = "regression"
    (case["model"] / "config.yaml").write_text(yaml.safe_dump(cfg))
    predict_fails(case, capsys, "does not fit", inputs=[example_video()])


def test_predict_corrupt_video(case, capsys):
    bad = case["tmp"] / "bad.mp4"; bad.write_bytes(b"\x00" * 1000)
    predict_fails(case, capsys, "bad.mp4", inputs=[bad])


def test_predict_missing_input(case, capsys):
    predict_fails(case, capsys, "missing.mp4", inputs=[case["tmp"] / "missing.mp4"])


def test_predict_no_input(case, capsys):
    predict_fails(case, capsys, "give at least one INPUT")


def test_predict_skips_hidden_and_appledouble_files(case, capsys):
    vids = case["tmp"] / "vids"; write_clip(example_video(), vids / "clip.mp4", 3)
    (vids / "._clip.mp4").write_bytes(b"\x00\x05\x16\x07")      # what macOS leaves on shared drives
    lpnb_predict(str(case["model"]), str(vids), output_dir=str(case["tmp"] / "out"))
    assert "wrote" in capsys.readouterr().out
    assert [p.name for p in (case["tmp"] / "out" / "video_preds").glob("*.csv") if "_" not in p.stem] == ["clip.csv"]


def test_predict_video_that_stops_decoding_midway(case, capsys, tmp_path):
    "Corrupted bytes mid-file: the container still reports every frame, but decoding stops early; never a short CSV."
    import cv2
    path = tmp_path / "damaged.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for k in range(30): w.write(np.uint8((np.arange(64)[None, :, None] * 4 + np.arange(48)[:, None, None] * 3 + k * 7) % 255).repeat(3, 2))
    w.release()
    data = bytearray(path.read_bytes()); n = len(data); data[int(0.4 * n):int(0.8 * n)] = bytes(int(0.8 * n) - int(0.4 * n))
    path.write_bytes(bytes(data))
    last = predict_fails(case, capsys, "damaged.mp4", inputs=[path])
    assert "decoded" in last and "of 30 frames" in last
    assert not (case["tmp"] / "out" / "video_preds" / "damaged.csv").exists()


def test_never_labeled_keypoint_trains_with_a_warning(case, capsys):
    "A keypoint empty in every row is named, left out of the PCA fits, and the model trains and predicts."
    t = read_keypoint_csv(case["data"] / "CollectedData.csv")
    kp = t.keypoints.copy(); kp[:, t.names.index("nose_top")] = np.nan
    write_keypoint_csv(case["data"] / "CollectedData.csv", t.index, kp, t.names, scorer=t.scorer)
    path = case["tmp"] / "cfg.yaml"; path.write_text(yaml.safe_dump(case["cfg"]))
    with pytest.warns(UserWarning, match="nose_top"):
        lpnb_train(config=str(path), output_dir=str(case["tmp"] / "m"), accelerator="cpu")
    # (10 frames are too few for the singleview PCA's 26 coordinates: it is skipped with a warning; the multiview one fits)
    mv = pd.read_csv(case["tmp"] / "m" / "predictions_pca_multiview_error.csv", index_col=0)
    assert mv["nose_top"].isna().all() and mv["nose_bot"].isna().all() and mv["paw1LH_top"].notna().all()
    assert (case["tmp"] / "m" / "predictions.csv").exists() and (case["tmp"] / "m" / "summary.json").exists()


@pytest.fixture
def calibrated_case(tmp_path):
    "A copy of the calibrated example's labels and calibrations (videos read in place), and its config for one epoch."
    from lightning_pose_nb.core import repo_root
    from lightning_pose_nb.data.calibrated_example import bundled_calibrated_dir
    src, data = bundled_calibrated_dir(), tmp_path / "data"
    shutil.copytree(src, data, ignore=lambda d, names: ["videos"] if Path(d) == src else [])
    cfg = yaml.safe_load((repo_root() / "configs" / "calibrated-3cam.yaml").read_text())
    cfg["data"].update(data_dir=str(data), video_dir=str(src / "videos"))
    cfg["training"].update(max_epochs=1, min_epochs=1)
    cfg["eval"]["predict_vids_after_training"] = False
    path = tmp_path / "cfg.yaml"; path.write_text(yaml.safe_dump(cfg))
    return {"data": data, "config": path, "out": tmp_path / "model"}


@pytest.mark.parametrize("damage, expect", [
    (lambda text: text.replace("]", "", 1), "is not a valid TOML file"),                     # a syntax error
    (lambda text: text[:text.index("[cam_2]")], "has 2 camera(s)"),                          # a camera short of the views
    (lambda text: text.replace("translation", "translatoin", 1), "translation"),             # a field misspelt
])
def test_malformed_calibration(calibrated_case, capsys, damage, expect):
    "A broken calibration TOML stops training before it starts, naming the file and what is wrong."
    toml = sorted((calibrated_case["data"] / "calibrations").glob("*.toml"))[0]
    toml.write_text(damage(toml.read_text()))
    code, err = run(lpnb_train, capsys, config=str(calibrated_case["config"]), output_dir=str(calibrated_case["out"]),
                    accelerator="cpu")
    last = err.strip().splitlines()[-1]
    assert code == 2 and last.startswith("lpnb-train: error: ") and "Traceback" not in err, err
    assert toml.name in last and expect in last, last
    assert not list(calibrated_case["out"].rglob("*.ckpt")), "no training may start on a broken calibration"
