"""Tiny models built from scratch for tests: no weights from anywhere, seconds to build."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from filelock import FileLock

TEXTS = [
    "昌都搬迁了多少人?",
    "2016年以来,全市开工建设易地扶贫搬迁安置点268个,涉及建档立卡贫困人口9.9万人。",
    "拉萨建档立卡人口人均纯收入从2015年的2982元增加到13741.44元。",
    "西藏累计实现62.8万贫困人口脱贫、74个贫困县区全部摘帽。",
    "How many people were relocated in Chamdo? About 99,000 people.",
    "拉薩建檔立卡人口2020年人均純收入有多少?",
]


def build_tiny_sentence_transformer(path: Path, extra_texts: list[str] | None = None) -> Path:
    """Save a 2-layer, 32-dim BERT sentence-transformer with a WordPiece vocab trained on ``TEXTS``.

    Args:
        path: Directory to create.
        extra_texts: More text to train the vocabulary on.

    Returns:
        ``path``.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers >= 6 moved the modules
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # pragma: no cover - older releases
        from sentence_transformers import models
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers import models as tok_models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    # The vocabulary is every character and word of the texts, in a fixed order: the WordPiece trainer breaks
    # ties between merges in hash order, so two trainings on one machine learned different pieces.
    normalizer = normalizers.BertNormalizer(lowercase=True, handle_chinese_chars=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = {
        w for t in TEXTS + (extra_texts or []) for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(t))
    }
    chars = sorted({c for w in words for c in w})
    pieces = specials + chars + [f"##{c}" for c in chars] + sorted(w for w in words if len(w) > 1)
    tok = Tokenizer(tok_models.WordPiece({p: i for i, p in enumerate(dict.fromkeys(pieces))}, unk_token="[UNK]"))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    fast = BertTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
    )
    hf_dir = path / "hf"
    BertModel(config).save_pretrained(hf_dir)
    fast.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=256)
    get_dim = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    pooling = models.Pooling(get_dim(), "mean")
    st = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    st.save(str(path))
    return path


# What a cached tiny model depends on besides its builder's own inputs: these libraries write its files.
_BUILD_LIBRARIES = ("torch", "transformers", "sentence-transformers", "tokenizers", "onnx", "onnxruntime")


def cached_model(cache_root: Path | None, out: Path, build: Callable[[Path], object], *sources: Path | str) -> Path:
    """Build a tiny model once per machine, not once per session, and hand each caller its own copy.

    Importing torch and sentence-transformers to build one takes ten seconds, most of a fast test run.
    The build is deterministic, so it is keyed by what decides its bytes: the ``sources`` (the code that
    builds it and its training text) and the versions of the libraries that write it. A lock makes
    parallel test workers build it once; a half-built directory is never seen (it is renamed into place).

    Args:
        cache_root: Where built models are kept (pytest's cache directory); None builds without caching.
        out: The directory to create, the caller's to change.
        build: Writes the model into the directory it is given.
        sources: Files (paths) or texts the model is built from.

    Returns:
        ``out``.
    """
    name = out.name
    if cache_root is None:
        build(out)
        return out
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes() if isinstance(source, Path) else source.encode("utf-8"))
        digest.update(b"\0")
    for library in _BUILD_LIBRARIES:
        try:
            digest.update(f"{library}=={metadata.version(library)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}: absent\0".encode())
    cache_root.mkdir(parents=True, exist_ok=True)
    built = cache_root / f"{name}-{digest.hexdigest()[:16]}"
    with FileLock(str(built) + ".lock"):
        if not built.is_dir():
            partial = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=cache_root)) / name
            build(partial)
            partial.rename(built)
            shutil.rmtree(partial.parent)
    shutil.copytree(built, out, symlinks=True)
    return out
