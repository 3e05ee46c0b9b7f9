"""The int8 variant of the ONNX export: which products stay float, and vectors close to the float ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from embeddings.onnx import OnnxEmbedder
from embeddings.onnx_int8 import INT8_NAME, after_gelu
from tests.embeddings.conftest import varied_texts


def _ffn_graph() -> onnx.GraphProto:
    """x → MatMul(W1) → GELU (erf form) → MatMul(W2): only the second product reads GELU's output."""
    w1 = helper.make_tensor("w1", TensorProto.FLOAT, [4, 8], [0.1] * 32)
    w2 = helper.make_tensor("w2", TensorProto.FLOAT, [8, 4], [0.1] * 32)
    c = helper.make_tensor("c", TensorProto.FLOAT, [], [1.4142])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    half = helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="up"),
        helper.make_node("Div", ["h", "c"], ["d"]),
        helper.make_node("Erf", ["d"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["a"]),
        helper.make_node("Mul", ["h", "a"], ["m"]),
        helper.make_node("Mul", ["m", "half"], ["g"]),
        helper.make_node("MatMul", ["g", "w2"], ["y"], name="down"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    return helper.make_graph(nodes, "ffn", [x], [y], [w1, w2, c, one, half])


def test_only_the_product_after_gelu_stays_float() -> None:
    assert after_gelu(_ffn_graph()) == ["down"]


def test_int8_vectors_stay_close_to_the_float_ones_under_their_own_name(tiny_onnx_dir: Path) -> None:
    texts = varied_texts(40)
    fp = OnnxEmbedder.from_model_dir(tiny_onnx_dir, threads=1)
    q8 = OnnxEmbedder.from_model_dir(tiny_onnx_dir, threads=1, precision="int8")
    assert (tiny_onnx_dir / "onnx" / INT8_NAME).is_file()
    assert q8.name != fp.name  # the passage cache and the index keep the two apart
    cos = np.sum(fp.embed_passages(texts) * q8.embed_passages(texts), axis=1)
    assert cos.min() > 0.95, cos.min()
