"Prediction beyond the Trainer: ONNX export and runtime, labeled videos, images as inputs, the live Predictor."
import numpy as np
import pytest

from conftest import run_cli
from lightning_pose_nb.core import bundled_data_dir
from lightning_pose_nb.data.csv import read_keypoint_csv
from lightning_pose_nb.data.datasets import read_image
from lightning_pose_nb.data.video import iter_frames, video_info
from lightning_pose_nb.inference import Predictor


@pytest.fixture(scope="module")
def exported(trained_model_dir):
    res = run_cli("lpnb-export", trained_model_dir)
    assert "largest keypoint difference" in res.stdout, res.stdout
    return trained_model_dir / "model.onnx"


@pytest.fixture(scope="module")
def example_frames():
    labels = read_keypoint_csv(bundled_data_dir() / "CollectedData.csv")
    return [read_image(bundled_data_dir() / p) for p in labels.index[:16]]


def test_onnx_matches_pytorch_on_example_frames(trained_model_dir, exported, example_frames):
    kp_t, conf_t = Predictor(trained_model_dir, device="cpu")(example_frames)
    kp_o, conf_o = Predictor(trained_model_dir, runtime="onnx", device="cpu")(example_frames)
    assert kp_t.shape == (16, 17, 2)
    assert np.abs(kp_t - kp_o).max() < 0.01  # frame pixels
    np.testing.assert_allclose(conf_o, conf_t, atol=1e-3)
    # the file alone is enough: names and input size travel inside it
    alone = Predictor(exported, runtime="onnx", device="cpu")
    assert alone.keypoint_names == read_keypoint_csv(bundled_data_dir() / "CollectedData.csv").names
    assert np.abs(alone(example_frames[:2])[0] - kp_t[:2]).max() < 0.01


def test_predict_video_with_onnxruntime(trained_model_dir, exported, clip, tmp_path):
    run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path / "torch")
    res = run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path / "onnx", "--runtime", "onnx")
    assert "onnxruntime" in res.stdout
    torch_pred = read_keypoint_csv(tmp_path / "torch" / "video_preds" / "clip.csv")
    onnx_pred = read_keypoint_csv(tmp_path / "onnx" / "video_preds" / "clip.csv")
    assert onnx_pred.keypoints.shape == (12, 17, 2)
    assert np.abs(onnx_pred.keypoints - torch_pred.keypoints).max() < 0.01
    assert (tmp_path / "onnx" / "video_preds" / "clip_temporal_norm.csv").exists()


def test_predict_video_in_bfloat16(trained_model_dir, clip, tmp_path):
    run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path / "fp32")
    run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path / "bf16", "--precision", "bf16")
    fp32 = read_keypoint_csv(tmp_path / "fp32" / "video_preds" / "clip.csv").keypoints
    bf16 = read_keypoint_csv(tmp_path / "bf16" / "video_preds" / "clip.csv").keypoints
    assert bf16.shape == fp32.shape == (12, 17, 2)
    diff = np.linalg.norm(bf16 - fp32, axis=-1)
    assert 0 < np.median(diff) < 0.5  # frame pixels: rounded differently, not a different answer
    bad = run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path / "bad", "--precision", "fp16", check=False)
    assert bad.returncode == 2 and "--precision" in bad.stdout + bad.stderr and "bf16" in bad.stdout + bad.stderr


def test_onnx_runtime_without_export_says_what_to_do(trained_model_dir, clip, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    for f in ("config.yaml", "summary.json"):
        (model / f).write_bytes((trained_model_dir / f).read_bytes())
    res = run_cli("lpnb-predict", model, clip, "--runtime", "onnx", check=False)
    assert res.returncode != 0 and "lpnb-export" in res.stdout + res.stderr


def test_labeled_video_from_the_command_line(trained_model_dir, clip, tmp_path):
    run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path, "--labeled-video")
    mp4 = tmp_path / "video_preds" / "labeled_videos" / "clip_labeled.mp4"
    drawn, source = list(iter_frames(mp4)), list(iter_frames(clip))
    assert len(drawn) == len(source) == video_info(clip)["num_frames"] == 12
    assert drawn[0].shape == source[0].shape


def test_labeled_video_draws_each_keypoint_in_its_colour(trained_model_dir, clip, tmp_path):
    from lightning_pose_nb.labeled_video import labeled_video_from_csv, keypoint_colors
    run_cli("lpnb-predict", trained_model_dir, clip, "--output-dir", tmp_path)
    csv = tmp_path / "video_preds" / "clip.csv"
    pred = read_keypoint_csv(csv)
    colours = keypoint_colors(17)
    out = labeled_video_from_csv(clip, csv, tmp_path / "drawn.mp4", conf_thresh=0.0, colors=colours, radius=6)
    drawn, source = list(iter_frames(out)), list(iter_frames(clip))
    assert len(drawn) == 12
    x, y = np.round(pred.keypoints[5, 3]).astype(int)
    patch = drawn[5][y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0)
    assert np.abs(patch - colours[3]).max() < 40, (patch, colours[3])      # the keypoint's colour (mp4 is lossy)
    assert np.abs(source[5][y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0) - colours[3]).max() > 40
    # above every confidence: nothing drawn
    hidden = labeled_video_from_csv(clip, csv, tmp_path / "hidden.mp4", conf_thresh=1.01)
    assert np.abs(next(iter_frames(hidden)).astype(int) - source[0].astype(int)).mean() < 3


def test_saved_video_after_training(trained_model_dir):
    "The tiny config sets `eval.save_vids_after_training`: training wrote a labeled video of the clip."
    mp4 = trained_model_dir / "video_preds" / "labeled_videos" / "clip_labeled.mp4"
    assert mp4.exists() and len(list(iter_frames(mp4))) == 12


def test_images_as_inputs(trained_model_dir, example_frames, tmp_path):
    labels = read_keypoint_csv(bundled_data_dir() / "CollectedData.csv")
    folder = tmp_path / "frames"
    folder.mkdir()
    for p in labels.index[:3]: (folder / (bundled_data_dir() / p).name).write_bytes((bundled_data_dir() / p).read_bytes())
    one = bundled_data_dir() / labels.index[3]
    res = run_cli("lpnb-predict", trained_model_dir, one, folder, "--output-dir", tmp_path / "out")
    assert "image_preds" in res.stdout
    folder_pred = read_keypoint_csv(tmp_path / "out" / "image_preds" / "frames.csv")
    single = read_keypoint_csv(tmp_path / "out" / "image_preds" / f"{one.parent.name}.csv")
    assert folder_pred.keypoints.shape == (3, 17, 2) and single.keypoints.shape == (1, 17, 2)
    assert folder_pred.likelihoods.shape == (3, 17)
    # in frame pixels: what the Predictor gives on the same frames in memory
    expected, _ = Predictor(trained_model_dir, device="cpu")(example_frames[:4])
    assert np.abs(folder_pred.keypoints - expected[:3]).max() < 1e-2
    assert np.abs(single.keypoints[0] - expected[3]).max() < 1e-2


def test_streaming_equals_offline(trained_model_dir, clip):
    predictor = Predictor(trained_model_dir, device="cpu")
    offline_kp, offline_conf = predictor.predict_video(clip, progress=False)
    stream, got = predictor.stream(), []
    for frame in iter_frames(clip): got += stream.push(frame)
    got += stream.close()
    assert [g[0] for g in got] == list(range(12))
    assert np.abs(np.stack([g[1] for g in got]) - offline_kp).max() < 1e-2
    assert np.abs(np.stack([g[2] for g in got]) - offline_conf).max() < 1e-4
