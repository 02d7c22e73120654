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
pixel's predicted distribution.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core import BadInputError
from genzoo.core.interfaces import AutoregressiveGenerator

PAD = -1.0  # what lies above the first row and left of the first column: black, as the border


class PixelRNN(AutoregressiveGenerator):
    def __init__(
        self,
        image_shape: Sequence[int] = (1, 28, 28),
        state_dim: int = 64,
        hidden_dim: int = 128,
        levels: int = 256,
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
        self.head = nn.Sequential(
            nn.Linear(hidden_dim + state_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, levels)
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
        for i in range(height):
            state = self._column_step(reads[:, i], state)
            states.append(state[0])
        return torch.stack(states, 1).transpose(2, 3)

    def logits(self, images: Tensor) -> Tensor:
        """(N, 1, H, W) images in [-1, 1] -> (N, H, W, levels) logits of each pixel's level,
        given the pixels before it."""
        rows = images[:, 0]
        n, height, width = rows.shape
        columns = self._column_states(rows)
        left = torch.cat([rows.new_full((n, height, 1), PAD), rows[..., :-1]], 2)
        inputs = torch.cat([left[..., None], columns], 3).flatten(0, 1)  # (N*H, W, 1+S)
        out, _ = self.row_lstm(inputs)
        return self.head(torch.cat([out, inputs[..., 1:]], 2)).view(n, height, width, -1)

    def negative_log_likelihood(self, images: Tensor) -> Tensor:
        levels = to_levels(images, self.levels)
        logits = self.logits(from_levels(levels, self.levels))
        nll = F.cross_entropy(logits.flatten(0, 2).float(), levels.flatten(), reduction="none")
        return nll.view(len(images), -1).sum(1)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.rows_drawn(z)[-1]

    def trajectory(self, z: Tensor, labels: Tensor | None = None, **options: object) -> Tensor:
        return self.rows_drawn(z)

    def rows_drawn(self, z: Tensor) -> Tensor:
        """(N, H*W) codes -> (H, N, 1, H, W): the image after each row is drawn (rows not
        yet drawn are grey), the last one complete."""
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
                logits = self.head(torch.cat([out[:, 0], columns[:, j]], 1))
                cdf = torch.softmax(logits.float(), 1).cumsum(1)
                level = (cdf < uniform[:, i, j, None]).sum(1).clamp(max=self.levels - 1)
                left = from_levels(level, self.levels)[:, None].to(z.dtype)
                image[:, i, j] = left[:, 0]
            above = image[:, i]
            frames.append(image.clone())
        return torch.stack(frames)[:, :, None]


def to_levels(images: Tensor, levels: int) -> Tensor:
    """Images in [-1, 1] -> int64 grey levels 0..levels-1 (uint8 pixels, for 256)."""
    scaled = (images.float() + 1) * ((levels - 1) / 2)
    return scaled.round().clamp(0, levels - 1).long()


def from_levels(levels: Tensor, count: int) -> Tensor:
    """Grey levels 0..count-1 -> their values in [-1, 1]."""
    return levels.float() * (2 / (count - 1)) - 1
