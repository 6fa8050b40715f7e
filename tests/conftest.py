"Shared fixtures: a short clip of the example video, a tiny config, and one tiny model trained by the CLI."
import contextlib, io, os, runpy, shutil, subprocess, sys, traceback, warnings
from pathlib import Path
import pytest
import yaml

from lightning_pose_nb.core import bundled_data_dir, default_config_path
from lightning_pose_nb.testing import write_clip, example_video

BIN = Path(sys.executable).parent
FRESH_WARNING_FILTERS = list(warnings.filters)   # as a new interpreter has them (pytest sets its own per test)


@pytest.fixture(scope="session", autouse=True)
def no_downloads(tmp_path_factory):
    "Empty, temporary weight caches with downloads off for the whole run (command-line subprocesses inherit them)."
    from lightning_pose_nb.models.weights import empty_caches
    with empty_caches(tmp_path_factory.mktemp("caches")):
        yield


def cli(name: str) -> str:
    "Path of a console script installed beside this Python."
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name)


def run_cli(*args, check=True, in_process=True):
    """Run console script `args[0]` with `args[1:]`; a `CompletedProcess` (returncode, stdout, stderr) either way.

    By default the installed script runs in this process (`runpy`, as its own `__main__`, parsing the patched
    `sys.argv`): the same entry point, argument parsing, exit status and messages as from a shell, without paying for
    importing torch, Lightning and timm again at each of the suite's ~40 launches. `in_process=False` launches it for
    real, as the checks that the installed scripts start at all do (and the wheel check, the resume and DDP tests)."""
    argv = [cli(args[0]), *map(str, args[1:])]
    if in_process: res = _run_in_process(argv)
    else: res = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if check and res.returncode != 0:
        raise AssertionError(f"{args} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def _run_in_process(argv):
    "`argv` run as the console script would run it; what it prints, and its exit status (1 with the traceback if it raised)."
    out, err, code = io.StringIO(), io.StringIO(), 0
    def show(message, category, filename, lineno, file=None, line=None):   # warnings as a fresh process prints them
        err.write(warnings.formatwarning(message, category, filename, lineno, line))
    old_argv, old_env = sys.argv, dict(os.environ)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.filters[:] = FRESH_WARNING_FILTERS; warnings.showwarning = show
            sys.argv = list(argv)
            try: runpy.run_path(argv[0], run_name="__main__")
            except SystemExit as e:   # as the interpreter exits: None is 0, a message is printed with status 1
                if e.code is None or isinstance(e.code, int): code = e.code or 0
                else: print(e.code, file=sys.stderr); code = 1
            except BaseException:
                traceback.print_exc(); code = 1
    finally:
        sys.argv = old_argv
        os.environ.clear(); os.environ.update(old_env)   # a command may set variables for its own run
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    "The first 12 frames of the example video, as an mp4 in its own folder."
    return write_clip(example_video(), tmp_path_factory.mktemp("videos") / "clip.mp4")


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory, clip) -> Path:
    "The default job shrunk to seconds: 64 px, 2 epochs of 2 batches, the short clip as its video."
    cfg = yaml.safe_load(default_config_path().read_text())
    cfg["data"]["data_dir"] = str(bundled_data_dir())
    cfg["data"]["video_dir"] = str(clip.parent)
    cfg["data"]["image_resize_dims"] = {"height": 64, "width": 64}
    cfg["training"].update(max_epochs=2, min_epochs=2, check_val_every_n_epoch=1, unfreezing_epoch=0, train_batch_size=4)
    cfg["eval"]["test_videos_directory"] = str(clip.parent)
    cfg["eval"]["save_vids_after_training"] = True  # a labeled video of the clip too
    path = tmp_path_factory.mktemp("cfg") / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="session")
def fast_config(tmp_path_factory, tiny_config) -> Path:
    """`tiny_config` cut to what a supervised command-line check needs: 8 training frames (2 steps), 1 epoch, no
    labeled video. Not for semi-supervised runs (the PCA losses need more frames) nor for checks of what was learned."""
    cfg = yaml.safe_load(tiny_config.read_text())
    cfg["training"].update(max_epochs=1, min_epochs=1, train_frames=8)
    cfg["eval"]["save_vids_after_training"] = False
    path = tmp_path_factory.mktemp("cfg") / "fast.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, tiny_config) -> Path:
    out = tmp_path_factory.mktemp("models") / "tiny"
    run_cli("lpnb-train", tiny_config, "--output-dir", out, "--accelerator", "cpu")
    return out
