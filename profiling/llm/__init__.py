"""Large language models opened up: attention in a few lines, and a tiny generator trained here.

- :mod:`profiling.llm.attention` -- scaled dot-product attention, multi-head attention and a
  transformer block, checkable against ``torch.nn.MultiheadAttention`` and a BERT layer; the
  parameters and FLOPs of a layer by formula.
- :mod:`profiling.llm.tinygpt` -- a character-level decoder-only transformer trained from
  scratch on CPU (cached on disk), sampling at a temperature, and a character n-gram baseline.

Chapter 1 uses both. Importing this package imports torch.
"""

from profiling.llm.attention import (
    MultiHeadAttention,
    TransformerBlock,
    causal_mask,
    layer_cost,
    scaled_dot_product_attention,
)
from profiling.llm.tinygpt import (
    TINYGPT_DEFAULTS,
    TINYGPT_FORMAT,
    CharNGram,
    CharVocab,
    TinyGPT,
    TinyGPTRun,
    mean_nll,
    sample,
    tinygpt_key,
    train_tinygpt,
)

__all__ = [
    "TINYGPT_DEFAULTS",
    "TINYGPT_FORMAT",
    "CharNGram",
    "CharVocab",
    "MultiHeadAttention",
    "TinyGPT",
    "TinyGPTRun",
    "TransformerBlock",
    "causal_mask",
    "layer_cost",
    "mean_nll",
    "sample",
    "scaled_dot_product_attention",
    "tinygpt_key",
    "train_tinygpt",
]
