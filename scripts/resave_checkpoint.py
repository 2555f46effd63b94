"""Re-save a checkpoint written by an early build whose metadata torch.load(weights_only=True) refused."""
import sys

import torch

from mnist_gui.core.checkpoint import save_checkpoint
from mnist_gui.core.models import ModelConfig, build_model

src, dst = sys.argv[1], sys.argv[2]
p = torch.load(src, weights_only=False)  # only for our own files
cfg = ModelConfig.from_dict(p["model_config"])
m = build_model(cfg)
m.load_state_dict(p["state_dict"])
save_checkpoint(dst, m, cfg, p["train_config"], p["metrics"], p["history"], name=sys.argv[3] if len(sys.argv) > 3 else None)
