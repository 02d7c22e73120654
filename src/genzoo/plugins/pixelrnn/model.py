"""A recurrent autoregressive image model in the manner of PixelRNN (van den Oord et al. 2016).

The image is a sequence of 8-bit pixels in raster order, each a 256-way softmax given
every pixel before it, so its likelihood is exact (bits per dimension, no bound).
Two LSTMs share the work:

- a *column* LSTM walks down the rows; its state is a vector per column (a 1-D
  convolutional LSTM, as the paper's Row LSTM), updated from the row above as a
  bidirectional LSTM reads it, so after row i-1 it summarises everything above row i;
- a *row* LSTM walks along each row, reading the pixel to its left and the column
  state below which it stands.

Unlike the Row LSTM, whose receptive field is a triangle above each pixel, this one
sees every pixel before it: the whole row to its left and all rows above (as the
paper's Diagonal BiLSTM does, at the cost of one more LSTM per row). Training is
parallel over rows: the column states of all rows come from the true image, then the
row LSTM runs along every row at once.

Sampling draws pixel by pixel, 784 LSTM steps for a 28 x 28 image. To keep the
Generator contract (same codes, same image), the code is one standard normal per
pixel, turned into a uniform by the normal CDF and into a grey level by inverting the
pixel's predicted distribution. `temperature` (below 1: each pixel's distribution
sharpened towards its likeliest levels) is a sampling option; the likelihood is always
the model's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core import BadInputError
from genzoo.core.interfaces import AutoregressiveGenerator, checked_images

PAD = -1.0  # what lies above the first row and left of the first column: black, as the border


class PixelRNN(AutoregressiveGenerator):
    def __init__(
        self,
        image_shape: Sequence[int] = (1, 28, 28),
        state_dim: int = 64,
        hidden_dim: int = 128,
        levels: int = 256,
        mixtures: int = 0,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        channels, height, width = (int(d) for d in image_shape)
        if channels != 1 or num_classes:
            raise BadInputError("this PixelRNN models unconditional grey-level images (1 channel)")
        self.image_shape = (channels, height, width)
        self.latent_dim = height * width
        self.levels = levels
        if state_dim % 2:
            raise BadInputError(f"state_dim must be even (two directions), got {state_dim}")
        self.state_dim = state_dim
        # both ways along the row above, so that every pixel sees all of it
        self.read_row = nn.LSTM(1, state_dim // 2, batch_first=True, bidirectional=True)
        self.column_gates = nn.Conv1d(2 * state_dim, 4 * state_dim, 3, padding=1)
        self.row_lstm = nn.LSTM(1 + state_dim, hidden_dim, batch_first=True)
        # 0: a free softmax over the levels (PixelRNN's); else discretised logistics
        self.pixel = LogisticMixture(levels, mixtures) if mixtures else LevelSoftmax(levels)
        self.head = nn.Sequential(
            nn.Linear(hidden_dim + state_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, self.pixel.size),
        )

    def _read(self, rows: Tensor) -> Tensor:
        """(M, W) rows -> (M, S, W): what the column LSTM reads of each."""
        return self.read_row(rows[..., None])[0].transpose(1, 2)

    def _column_step(self, read: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """(N, S, W) the row above as read, the column LSTM's (N, S, W) state -> its next."""
        hidden, cell = state
        i, f, o, g = self.column_gates(torch.cat([read, hidden], 1)).chunk(4, 1)
        cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(cell), cell

    def _column_states(self, rows: Tensor) -> Tensor:
        """(N, H, W) pixels -> (N, H, W, S): the column state each row is drawn under."""
        n, height, width = rows.shape
        above = torch.cat([rows.new_full((n, 1, width), PAD), rows[:, :-1]], 1)
        reads = self._read(above.flatten(0, 1)).view(n, height, self.state_dim, width)
        hidden = rows.new_zeros(n, self.state_dim, width)
        state, states = (hidden, hidden), []
        # unbind, not reads[:, i]: each index's backward wrote a zeroed copy of all the
        # reads, summed over the rows (10% of a training step); unbind's is one stack
        for read in reads.unbind(1):
            state = self._column_step(read, state)
            states.append(state[0])
        return torch.stack(states, 1).transpose(2, 3)

    def pixel_parameters(self, images: Tensor) -> Tensor:
        """(N, 1, H, W) images in [-1, 1] -> (N, H, W, P): the parameters of each pixel's
        distribution over the levels (`self.pixel`), given the pixels before it."""
        rows = images[:, 0]
        n, height, width = rows.shape
        columns = self._column_states(rows)
        left = torch.cat([rows.new_full((n, height, 1), PAD), rows[..., :-1]], 2)
        inputs = torch.cat([left[..., None], columns], 3).flatten(0, 1)  # (N*H, W, 1+S)
        out, _ = self.row_lstm(inputs)
        return self.head(torch.cat([out, inputs[..., 1:]], 2)).view(n, height, width, -1)

    def negative_log_likelihood(self, images: Tensor) -> Tensor:
        checked_images(images, self.image_shape, "negative_log_likelihood")
        levels = to_levels(images, self.levels)
        parameters = self.pixel_parameters(from_levels(levels, self.levels))
        return -self.pixel.log_prob(parameters, levels[:, 0]).flatten(1).sum(1)

    @property
    def sampling_options(self) -> Mapping[str, Any]:
        return {"temperature": 1.0}

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        given = super().check_options(options)
        temperature = given.get("temperature", 1.0)
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, (int, float))
            or not math.isfinite(temperature)
            or temperature <= 0
        ):
            raise BadInputError(f"temperature must be a number > 0, got {temperature!r}")
        return given

    def forward(self, z: Tensor, labels: Tensor | None = None, temperature: float = 1.0) -> Tensor:
        return self.rows_drawn(z, temperature)[-1]

    def trajectory(self, z: Tensor, labels: Tensor | None = None, **options: Any) -> Tensor:
        return self.rows_drawn(z, **self.check_options(options))

    def rows_drawn(self, z: Tensor, temperature: float = 1.0) -> Tensor:
        """(N, H*W) codes -> (H, N, 1, H, W): the image after each row is drawn (rows not
        yet drawn are grey), the last one complete. Each pixel is drawn from its
        distribution at `temperature`."""
        n, (_, height, width) = z.shape[0], self.image_shape
        uniform = torch.special.ndtr(z.float()).view(n, height, width)
        hidden = z.new_zeros(n, self.state_dim, width)
        column_state = (hidden, hidden)
        image = z.new_zeros(n, height, width)
        above, frames = z.new_full((n, width), PAD), []
        for i in range(height):
            column_state = self._column_step(self._read(above), column_state)
            columns = column_state[0].transpose(1, 2)  # (N, W, S)
            left, row_state = z.new_full((n, 1), PAD), None
            for j in range(width):
                step = torch.cat([left, columns[:, j]], 1)[:, None]
                out, row_state = self.row_lstm(step, row_state)
                parameters = self.head(torch.cat([out[:, 0], columns[:, j]], 1))
                cdf = self.pixel.cdf(parameters, temperature)  # (N, levels - 1)
                level = (cdf < uniform[:, i, j, None]).sum(1)
                left = from_levels(level, self.levels)[:, None].to(z.dtype)
                image[:, i, j] = left[:, 0]
            above = image[:, i]
            frames.append(image.clone())
        return torch.stack(frames)[:, :, None]


class LevelSoftmax(nn.Module):
    """Each pixel's level from a free softmax over all of them (PixelRNN's choice)."""

    def __init__(self, levels: int) -> None:
        super().__init__()
        self.levels = self.size = levels  # parameters per pixel: one logit per level

    def log_prob(self, logits: Tensor, levels: Tensor) -> Tensor:
        """(..., levels) logits, (...) int64 levels -> (...) log-probabilities in nats."""
        return logits.float().log_softmax(-1).gather(-1, levels[..., None])[..., 0]

    def cdf(self, logits: Tensor, temperature: float = 1.0) -> Tensor:
        """(..., levels) logits -> (..., levels - 1): P(level <= k) for k below the top, of
        the softmax at `temperature` (the logits divided by it)."""
        return torch.softmax(logits.float() / temperature, -1).cumsum(-1)[..., :-1]


class LogisticMixture(nn.Module):
    """Each pixel's level from a mixture of discretised logistics (PixelCNN++, Salimans
    et al. 2017): a level's probability is the mixture's mass over its bin of [-1, 1], the
    lowest and highest levels taking the tails. Neighbouring levels share their
    probability, which a free softmax must learn level by level."""

    def __init__(self, levels: int, components: int) -> None:
        super().__init__()
        self.levels, self.size = levels, 3 * components  # weight, mean, log-scale each

    def _parts(self, parameters: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        logit_weights, means, log_scales = parameters.float().chunk(3, -1)
        return logit_weights.log_softmax(-1), means, log_scales.clamp(min=-7.0)

    def log_prob(self, parameters: Tensor, levels: Tensor) -> Tensor:
        """(..., 3K) parameters, (...) int64 levels -> (...) log-probabilities in nats."""
        log_weights, means, log_scales = self._parts(parameters)
        half_bin, inverse_scales = 1 / (self.levels - 1), (-log_scales).exp()
        centred = from_levels(levels, self.levels)[..., None] - means  # (..., K)
        upper, lower = inverse_scales * (centred + half_bin), inverse_scales * (centred - half_bin)
        log_below_upper = upper - F.softplus(upper)  # log sigmoid: the lowest level's tail
        log_above_lower = -F.softplus(lower)  # log (1 - sigmoid): the highest level's
        mass = torch.sigmoid(upper) - torch.sigmoid(lower)
        # where the bin's mass underflows, the density at its centre times its width
        middle = inverse_scales * centred
        log_density = middle - log_scales - 2 * F.softplus(middle) + math.log(2 * half_bin)
        log_mass = torch.where(mass > 1e-5, mass.clamp(min=1e-12).log(), log_density)
        level = levels[..., None]
        log_bin = torch.where(
            level == 0,
            log_below_upper,
            torch.where(level == self.levels - 1, log_above_lower, log_mass),
        )
        return torch.logsumexp(log_weights + log_bin, -1)

    def cdf(self, parameters: Tensor, temperature: float = 1.0) -> Tensor:
        """(..., 3K) parameters -> (..., levels - 1): P(level <= k) for k below the top. At
        a `temperature`, the mixture weights' logits are divided by it and each logistic's
        scale multiplied by it."""
        log_weights, means, log_scales = self._parts(parameters)
        if temperature != 1:
            log_weights = (log_weights / temperature).log_softmax(-1)
            log_scales = log_scales + math.log(temperature)
        steps = torch.arange(self.levels - 1, device=parameters.device)
        edges = from_levels(steps, self.levels) + 1 / (self.levels - 1)  # each bin's top
        scaled = (edges[:, None] - means[..., None, :]) * (-log_scales).exp()[..., None, :]
        return (log_weights.exp()[..., None, :] * torch.sigmoid(scaled)).sum(-1)


def to_levels(images: Tensor, levels: int) -> Tensor:
    """Images in [-1, 1] -> int64 grey levels 0..levels-1 (uint8 pixels, for 256)."""
    scaled = (images.float() + 1) * ((levels - 1) / 2)
    return scaled.round().clamp(0, levels - 1).long()


def from_levels(levels: Tensor, count: int) -> Tensor:
    """Grey levels 0..count-1 -> their values in [-1, 1]."""
    return levels.float() * (2 / (count - 1)) - 1
