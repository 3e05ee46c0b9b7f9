"""A graph optimized once, so that opening a session costs milliseconds, not a third of a second.

ONNX Runtime optimizes a graph (fusing attention, layer norms and GELUs) every time a session opens it,
and parses the weights out of the protobuf into fresh memory: on e5-small that is ~0.3 s of every cold
``ask``. The optimized graph is saved once, at the extended level (the fusions whose kernels choose the
instruction set at run time, so the file holds on another x86-64 CPU), with its weights in a separate
file that ONNX Runtime maps instead of copying. Sessions then open it with optimization off: the same
operators run, so the outputs are bit-identical (``tests/embeddings/test_onnx_optimized.py``).

The saved graph depends on the ONNX Runtime version and on the source graph, so both key its directory;
a model directory that cannot be written keeps working with the unoptimized graph.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

_PREFIX = "optimized-"


def optimized_graph(graph: Path) -> tuple[Path, bool]:
    """The optimized copy of ``graph`` for the CPU, written beside it on first use.

    Args:
        graph: An ONNX graph file (a float or int8 export).

    Returns:
        The graph to open and whether it is the optimized copy (open it with optimization off) or,
        when the copy cannot be written, ``graph`` itself.
    """
    import onnxruntime as ort

    stat = graph.stat()
    key = hashlib.sha256(f"{ort.__version__}:{graph.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    target = graph.parent / f"{_PREFIX}{graph.stem}-{key[:12]}"
    if (target / graph.name).is_file():
        return target / graph.name, True
    tmp = graph.parent / f".{target.name}.{os.getpid()}.tmp"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.log_severity_level = 3
        options.optimized_model_filepath = str(tmp / graph.name)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", "weights.bin")
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first: its copy is the same
            shutil.rmtree(tmp, ignore_errors=True)
    except Exception as exc:  # OSError, or ONNX Runtime's own types (a full disk while it writes)
        shutil.rmtree(tmp, ignore_errors=True)
        log.debug("cannot write the optimized graph of %s (%s): using it unoptimized", graph, exc)
        return graph, False
    _drop_stale(graph, keep=target)
    return target / graph.name, True


def _drop_stale(graph: Path, keep: Path) -> None:
    """Remove the copies of ``graph`` made for an earlier version of it or of ONNX Runtime."""
    for old in graph.parent.glob(f"{_PREFIX}{graph.stem}-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
