"""genzoo.zoo: the catalog of pretrained models and their weights on the Hugging Face Hub."""

from genzoo.zoo.cache import WeightsStatus, cached_files, hub_cache, snapshot_dir, weights_status

__all__ = ["WeightsStatus", "cached_files", "hub_cache", "snapshot_dir", "weights_status"]
