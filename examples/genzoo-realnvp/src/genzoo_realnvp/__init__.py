"""RealNVP as a genzoo plugin: a normalizing flow trained by maximum likelihood."""
