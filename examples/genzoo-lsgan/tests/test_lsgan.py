"""genzoo's conformance kit on the plugin, as any plugin author would run it."""

import torch
from genzoo_lsgan.trainer import LeastSquaresTrainer

from genzoo.testing import check_architecture, check_lazy_listing


def test_lsgan_keeps_genzoos_contracts(tmp_path):
    check_architecture("lsgan", tmp_path)


def test_listing_imports_no_model_code():
    check_lazy_listing("genzoo-lsgan")


def test_the_losses_are_least_squares():
    trainer = LeastSquaresTrainer.__new__(LeastSquaresTrainer)  # the losses need no model
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert trainer.discriminator_loss(real, fake).item() == 0.5 * (0.5 + 0.5)
    assert trainer.generator_loss(torch.ones(3)).item() == 0
