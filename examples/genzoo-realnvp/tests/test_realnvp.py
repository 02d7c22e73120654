"""genzoo's conformance kit on the plugin, and the flow's own promises."""

import torch
from genzoo_realnvp.trainer import MaximumLikelihoodTrainer

import genzoo
from genzoo.testing import check_architecture, check_lazy_listing


def test_realnvp_keeps_genzoos_contracts(tmp_path):
    check_architecture("realnvp", tmp_path)


def test_listing_imports_no_model_code():
    check_lazy_listing("genzoo-realnvp")


def test_the_flow_inverts_and_its_log_determinant_is_the_jacobians():
    torch.manual_seed(0)
    flow = genzoo.build("realnvp", image_shape=[1, 2, 2], couplings=4, hidden_dim=8).generator
    for parameter in flow.parameters():  # leave the identity start: every layer acts
        parameter.data.normal_(0, 0.5)
    images = torch.rand(3, 1, 2, 2) * 1.8 - 0.9
    codes, log_det = flow.encode(images)
    assert torch.allclose(flow(codes), images, atol=1e-5)
    for image, expected in zip(images, log_det, strict=True):
        jacobian = torch.autograd.functional.jacobian(lambda x: flow.encode(x)[0], image[None])
        assert torch.allclose(torch.logdet(jacobian.reshape(4, 4)), expected, atol=1e-4)


def test_training_raises_the_likelihood():
    torch.manual_seed(0)
    model = genzoo.build("realnvp", image_shape=[1, 8, 8], hidden_dim=32)
    trainer = MaximumLikelihoodTrainer(model, {"lr": 3e-3, "schedule": "constant"})
    images = torch.zeros(32, 1, 8, 8).uniform_(-1, 1).round()  # two grey levels
    rng = torch.Generator().manual_seed(0)
    first = trainer.step(images, torch.zeros(32), rng)["bits_per_dim"]
    for _ in range(30):
        last = trainer.step(images, torch.zeros(32), rng)["bits_per_dim"]
    assert last < first - 1
