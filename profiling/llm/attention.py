"""Self-attention, multi-head attention and a transformer block in a few lines of torch.

The pieces of Vaswani et al. (2017), written so that each line can be read against the formula
:math:`\\mathrm{softmax}(QK^\\top/\\sqrt{d_k})V`:

- :func:`scaled_dot_product_attention` -- one head: scores, an optional mask, softmax, average.
- :func:`causal_mask` -- the decoder's mask: position ``i`` sees positions ``0..i`` only.
- :class:`MultiHeadAttention` -- ``h`` heads side by side, with the four projections (query, key,
  value, output). :meth:`MultiHeadAttention.from_torch` copies the weights of a
  ``torch.nn.MultiheadAttention``, so the two can be compared on the same input.
- :class:`TransformerBlock` -- attention and a feed-forward network, each with a residual
  connection and layer normalisation, after (BERT, ``norm_first=False``) or before (GPT,
  ``norm_first=True``) the sub-layer. :meth:`TransformerBlock.from_bert_layer` copies a
  Hugging Face ``BertLayer`` (e.g. a layer of the bundled all-MiniLM-L6-v2).
- :func:`layer_cost` -- parameters and floating-point operations per token of one layer, by
  formula.

No dropout: these modules are for reading and for small models trained deterministically.

Example
-------
>>> import torch
>>> block = TransformerBlock(d_model=8, n_heads=2, d_ff=16)
>>> x = torch.zeros(1, 5, 8)
>>> block(x, mask=causal_mask(5)).shape
torch.Size([1, 5, 8])
>>> block.attention.weights.shape          # (batch, heads, queries, keys) of the last call
torch.Size([1, 2, 5, 5])
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

__all__ = [
    "MultiHeadAttention",
    "TransformerBlock",
    "causal_mask",
    "layer_cost",
    "scaled_dot_product_attention",
]


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of queries ``q`` over keys ``k`` and values ``v``: ``softmax(q k^T / sqrt(d_k)) v``.

    Parameters
    ----------
    q : Tensor of shape (..., n_queries, d_k)
    k : Tensor of shape (..., n_keys, d_k)
    v : Tensor of shape (..., n_keys, d_v)
    mask : bool Tensor broadcastable to (..., n_queries, n_keys), optional
        True where a query may look at a key. Every query must see at least one key.

    Returns
    -------
    out : Tensor of shape (..., n_queries, d_v)
        Per query, the average of the values weighted by the attention weights.
    weights : Tensor of shape (..., n_queries, n_keys)
        The attention weights; each row sums to 1.

    Examples
    --------
    >>> q = k = torch.eye(2)
    >>> v = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> out, w = scaled_dot_product_attention(q, k, v)
    >>> w.sum(dim=-1)
    tensor([1., 1.])
    >>> scaled_dot_product_attention(q, k, v, mask=causal_mask(2))[1]
    tensor([[1.0000, 0.0000],
            [0.3302, 0.6698]])
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


def causal_mask(n: int, device: Any = None) -> torch.Tensor:
    """The decoder's mask: an ``n x n`` bool matrix, True on and below the diagonal.

    Row ``i`` (a query) may look at keys ``0..i``: earlier positions and itself, never later ones.

    >>> causal_mask(3).int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


class MultiHeadAttention(nn.Module):
    """``n_heads`` attention heads over one sequence (self-attention), with bias terms.

    Each head works on ``d_model / n_heads`` numbers: the query, key and value projections
    are split into heads, attention runs per head, the heads are concatenated and projected
    back to ``d_model``.

    Parameters
    ----------
    d_model : int
        Length of a token vector.
    n_heads : int
        Number of heads; must divide ``d_model``.

    Attributes
    ----------
    weights : Tensor of shape (batch, heads, n, n) or None
        The attention weights of the last forward call (detached), for plots.

    Examples
    --------
    >>> mha = MultiHeadAttention(d_model=6, n_heads=3)
    >>> out, w = mha(torch.ones(2, 4, 6))
    >>> tuple(out.shape), tuple(w.shape)
    ((2, 4, 6), (2, 3, 4, 4))
    """

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} does not divide d_model={d_model}")
        self.d_model, self.n_heads = d_model, n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)
        self.weights: torch.Tensor | None = None

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Self-attention of ``x`` (batch, n, d_model); ``mask`` as in
        :func:`scaled_dot_product_attention`, broadcast over batch and heads.

        Returns the output (batch, n, d_model) and the weights (batch, heads, n, n).
        """
        b, n, d = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:  # (b, n, d) -> (b, h, n, d/h)
            return t.view(b, n, self.n_heads, d // self.n_heads).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        self.weights = weights.detach()
        return self.out(out.transpose(1, 2).reshape(b, n, d)), weights

    @classmethod
    def from_torch(cls, mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """A copy of ``torch.nn.MultiheadAttention``'s weights (same ``embed_dim``, heads, bias).

        >>> ref = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = torch.randn(1, 3, 8, generator=torch.Generator().manual_seed(0))
        >>> ours, _ = MultiHeadAttention.from_torch(ref)(x)
        >>> bool((ours - ref(x, x, x)[0]).abs().max() < 1e-5)
        True
        """
        if mha.in_proj_weight is None or mha.in_proj_bias is None:
            raise ValueError(
                "from_torch needs packed projections with bias (kdim = vdim = embed_dim)"
            )
        new = cls(mha.embed_dim, mha.num_heads).to(mha.in_proj_weight.dtype)
        w_q, w_k, w_v = mha.in_proj_weight.detach().chunk(3)
        b_q, b_k, b_v = mha.in_proj_bias.detach().chunk(3)
        with torch.no_grad():
            for layer, w, b in (
                (new.query, w_q, b_q),
                (new.key, w_k, b_k),
                (new.value, w_v, b_v),
            ):
                layer.weight.copy_(w)
                layer.bias.copy_(b)
            new.out.weight.copy_(mha.out_proj.weight)
            new.out.bias.copy_(mha.out_proj.bias)
        return new


class TransformerBlock(nn.Module):
    """One transformer layer: multi-head self-attention, then a feed-forward network (GELU).

    Each sub-layer has a residual connection and a layer normalisation: after it
    (``norm_first=False``, the original Transformer and BERT, ``x = norm(x + f(x))``) or
    before it (``norm_first=True``, GPT-2 and later, ``x = x + f(norm(x))``).

    Parameters
    ----------
    d_model, n_heads : int
        As in :class:`MultiHeadAttention`.
    d_ff : int
        Width of the feed-forward network's hidden layer (usually ``4 * d_model``).
    norm_first : bool, default False
        Layer normalisation before the sub-layers (True) or after them (False).
    eps : float, default 1e-5
        The layer normalisations' epsilon (BERT uses 1e-12).

    Examples
    --------
    >>> block = TransformerBlock(d_model=4, n_heads=1, d_ff=8, norm_first=True)
    >>> sum(p.numel() for p in block.parameters()) == layer_cost(4, 8)["parameters"]
    True
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        norm_first: bool = False,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.attention = MultiHeadAttention(d_model, n_heads)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model)
        )
        self.norm2 = nn.LayerNorm(d_model, eps=eps)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``x`` (batch, n, d_model) -> (batch, n, d_model); ``mask`` as in :class:`MultiHeadAttention`."""
        if self.norm_first:
            x = x + self.attention(self.norm1(x), mask)[0]
            return x + self.ffn(self.norm2(x))
        x = self.norm1(x + self.attention(x, mask)[0])
        return self.norm2(x + self.ffn(x))

    @classmethod
    def from_bert_layer(
        cls, layer: nn.Module, n_heads: int, eps: float = 1e-12
    ) -> TransformerBlock:
        """A copy of a Hugging Face ``BertLayer`` (post-normalisation, GELU), e.g.
        ``model[0].auto_model.encoder.layer[0]`` of a sentence-transformers BERT model.
        """
        attention, ffn_in, ffn_out = (
            layer.attention,
            layer.intermediate.dense,
            layer.output.dense,
        )
        d_model, d_ff = ffn_in.in_features, ffn_in.out_features
        new = cls(d_model, n_heads, d_ff, norm_first=False, eps=eps).to(
            ffn_in.weight.dtype
        )
        pairs = [
            (new.attention.query, attention.self.query),
            (new.attention.key, attention.self.key),
            (new.attention.value, attention.self.value),
            (new.attention.out, attention.output.dense),
            (new.norm1, attention.output.LayerNorm),
            (new.ffn[0], ffn_in),
            (new.ffn[2], ffn_out),
            (new.norm2, layer.output.LayerNorm),
        ]
        with torch.no_grad():
            for ours, theirs in pairs:
                ours.weight.copy_(theirs.weight)
                ours.bias.copy_(theirs.bias)
        return new


def layer_cost(d_model: int, d_ff: int, context: int = 0) -> dict[str, int]:
    """Parameters and floating-point operations per token of one :class:`TransformerBlock`.

    With ``d = d_model``, ``f = d_ff`` and ``n = context`` (the tokens attended to):

    - parameters: ``4 d^2 + 4 d`` (query, key, value, output projections with bias)
      ``+ 2 d f + f + d`` (feed-forward) ``+ 4 d`` (two layer normalisations);
    - FLOPs per token (a multiply-add counts 2): ``8 d^2`` (projections) ``+ 4 d f``
      (feed-forward) ``+ 4 n d`` (scores ``q k^T`` and the weighted sum of values). Softmax,
      GELU, normalisation and additions (a few times ``d`` or ``n``) are left out, as usual.

    Returns a dict with ``parameters``, ``flops_per_token`` and ``flops_matmul_per_token``
    (the ``8 d^2 + 4 d f`` that does not depend on the context).

    >>> layer_cost(384, 1536)["parameters"]        # one layer of all-MiniLM-L6-v2
    1774464
    >>> layer_cost(384, 1536, context=16)["flops_per_token"]
    3563520
    """
    d, f, n = d_model, d_ff, context
    weights = 8 * d * d + 4 * d * f
    return {
        "parameters": 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d,
        "flops_per_token": weights + 4 * n * d,
        "flops_matmul_per_token": weights,
    }
