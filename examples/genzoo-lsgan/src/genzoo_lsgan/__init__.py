"""genzoo-lsgan: the least-squares GAN as a genzoo plugin. Registration is in `plugin`."""
