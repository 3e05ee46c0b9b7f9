"""The optional int8 variant of an ONNX export: weights quantized per channel, activations per batch.

ONNX Runtime's dynamic quantization turns each matrix product with a constant weight into an int8
one. The FFN output projections stay in float: their inputs are the GELU activations, the widest-ranged
tensors of a BERT-style layer, and quantizing them per tensor costs most of the accuracy (on e5 the
lowest cosine to the float export is 0.9927 with them, 0.9959 without). Written once beside
``model.onnx`` on first use (seconds; no torch). ``eval/bench_embed.py`` measures its speed, its
cosine to the float export and dev retrieval with it.
"""

from __future__ import annotations

import os
from pathlib import Path

INT8_NAME = "model.int8.onnx"
_GELU_DEPTH = 4  # x * 0.5 * (1 + erf(x / √2)): the Erf is within four nodes of the product's input


def int8_graph(export_dir: Path, float_name: str) -> Path:
    """The int8 graph of ``export_dir/float_name``, quantized now if it is not there yet.

    Args:
        export_dir: The ``onnx`` directory of a model.
        float_name: The float graph's file name.

    Returns:
        The int8 graph's path.
    """
    target = export_dir / INT8_NAME
    if target.is_file():
        return target
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = export_dir / float_name
    graph = onnx.load(str(source), load_external_data=False).graph
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    quantize_dynamic(
        str(source),
        str(tmp),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=after_gelu(graph),
        extra_options={"MatMulConstBOnly": True},
    )
    os.replace(tmp, target)
    return target


def after_gelu(graph) -> list[str]:
    """Names of the MatMul nodes whose input is a GELU's output (an Erf a few nodes upstream)."""
    producer = {out: node for node in graph.node for out in node.output}

    def erf_upstream(name: str, depth: int) -> bool:
        node = producer.get(name)
        if node is None or depth == 0:
            return False
        return node.op_type == "Erf" or any(erf_upstream(i, depth - 1) for i in node.input)

    return [n.name for n in graph.node if n.op_type == "MatMul" and erf_upstream(n.input[0], _GELU_DEPTH)]
