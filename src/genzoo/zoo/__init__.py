"""genzoo.zoo: the catalog of pretrained models and their weights on the Hugging Face Hub.

Only the cache helpers are imported here (`genzoo list` uses them). The modules:
repo, card, golden (the repo format), source (names), cache, pull, timm_hub (timm's own
repos), offline (folders of repos), push, precision (float16 copies), verify, load and
hub_model (`save_pretrained`, `push_to_hub`). load, hub_model, golden and precision import
torch; repo and card only inside the functions that write or build.
"""

from genzoo.zoo.cache import WeightsStatus, cached_files, hub_cache, snapshot_dir, weights_status

__all__ = ["WeightsStatus", "cached_files", "hub_cache", "snapshot_dir", "weights_status"]
