"""`lpnb-train`'s `train()` with a callback writing each rank's weight digest at the end of training (tests/test_ddp.py).

    python tests/helpers/train_with_digest.py CONFIG OUTPUT_DIR DIGEST_DIR

Lightning's DDP launcher starts the other ranks by running this same command again.
"""
import hashlib, json, sys
from pathlib import Path

import lightning.pytorch as pl

from lightning_pose_nb.train import train


class WeightsDigest(pl.Callback):
    "`folder/rank<r>.txt`: a SHA-1 of this rank's final weights (every rank must end with the same), per tensor in .keys.json."
    def __init__(self, folder):
        self.folder = Path(folder)

    def on_train_end(self, trainer, pl_module):
        h, per_key = hashlib.sha1(), {}
        for k, v in sorted(pl_module.state_dict().items()):
            data = v.detach().cpu().contiguous().numpy().tobytes()
            h.update(k.encode()); h.update(data); per_key[k] = hashlib.sha1(data).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"rank{trainer.global_rank}.txt").write_text(h.hexdigest())
        (self.folder / f"rank{trainer.global_rank}.keys.json").write_text(json.dumps(per_key, indent=1))


if __name__ == "__main__":
    config, out, digests = sys.argv[1:4]
    res = train(config, out, accelerator="cpu", progress=False, callbacks=[WeightsDigest(digests)])
    if res.pixel_error: print("mean pixel error: " + ", ".join(f"{k} {v:.2f}" for k, v in res.pixel_error.items()))
