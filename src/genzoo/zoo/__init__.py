"""genzoo.zoo: the catalog of pretrained models and their weights on the Hugging Face Hub.

Only the torch-free cache helpers are imported here (`genzoo list` uses them);
the repo format lives in `genzoo.zoo.repo`, which imports torch and safetensors.
"""

from genzoo.zoo.cache import WeightsStatus, cached_files, hub_cache, snapshot_dir, weights_status

__all__ = ["WeightsStatus", "cached_files", "hub_cache", "snapshot_dir", "weights_status"]
