"The reference's own YAML configs load unchanged (with data_dir pointed at our copy of the data)."
import warnings
from pathlib import Path
import pytest

from lightning_pose_nb.core import bundled_data_dir, load_config, repo_root, ConfigError

REF = repo_root().parent / "shared" / "spec" / "reference-configs"
CONFIGS = sorted(REF.glob("*.yaml")) if REF.exists() else []


@pytest.mark.skipif(not CONFIGS, reason="../shared/spec/reference-configs not present")
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_reference_config_loads(path):
    overrides = {"data": {"data_dir": str(bundled_data_dir()), "image_resize_dims": {"height": 128, "width": 128}}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cfg = load_config(path, overrides)
    assert Path(cfg.data.data_dir) == bundled_data_dir().resolve()
    ignored = [str(w.message) for w in caught if "ignored" in str(w.message)]
    assert len(ignored) == 1 and "dali" in ignored[0]


def test_missing_resize_is_an_error_naming_the_field(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  data_dir: {bundled_data_dir()}\n  image_resize_dims:\n    height: null\n    width: null\n")
    with pytest.raises(ConfigError, match="data.image_resize_dims.height"):
        load_config(cfg)
