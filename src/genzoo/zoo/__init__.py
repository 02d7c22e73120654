"""genzoo.zoo: the catalog of pretrained models and their weights on the Hugging Face Hub.

Only the cache helpers are imported here (`genzoo list` uses them). The modules:
repo/card/golden (the repo format), source (names), cache, pull, offline (folders of
repos), push, verify, load. Only load, golden and the writing/loading functions of
repo import torch, and only when used.
"""

from genzoo.zoo.cache import WeightsStatus, cached_files, hub_cache, snapshot_dir, weights_status

__all__ = ["WeightsStatus", "cached_files", "hub_cache", "snapshot_dir", "weights_status"]
