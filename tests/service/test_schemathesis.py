"""Schemathesis against the service's OpenAPI schema, on a real uvicorn server over the tiny model.

Two passes, both bounded (``max_examples`` per operation, well under a minute in all):

* ``test_api_fuzz``: every operation in the schema, with schema-valid and schema-invalid input (and the
  other HTTP methods on each path). Random JSON rarely reaches the pipeline (the last message must be the
  user's, a question must be non-empty), so this pass exercises validation and routing.
* ``test_api_answers``: the question and upload operations on a narrowed copy of the schema (user
  messages with short non-empty text; uploads sent as ``.txt`` files), so that random questions are
  really answered and random documents really ingested and deleted again.

Checked on every response: no 5xx, every 4xx body has the documented error shape
``{"error": {"message", "type", "param", "code"}}`` with a non-empty ``code``, and every 2xx body
conforms to the documented response model. Schema-invalid input must be refused with a 4xx.
Not checked: status codes FastAPI documents but the service does not use (it answers 400, OpenAI's
status, where FastAPI documents 422), and schema-valid input refused for business rules (a last
message from the assistant, an empty question).
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, response_schema_conformance

from rag.config import load_settings
from rag.pipeline import Pipeline
from service.app import create_app

pytestmark = pytest.mark.slow

# The schema does not depend on the pipeline, which loads nothing until used: no index is touched here.
OPENAPI = create_app(Pipeline(load_settings(None, {"home": "/nonexistent/rag-schemathesis"}))).openapi()
STATUSES: Counter = Counter()  # (method, path template, status) over the whole module, for the summary test
_upload_names = itertools.count()


def error_shape(ctx, response, case) -> None:
    """A schemathesis check: every 4xx body is ``{"error": {"message", "type", "param", "code"}}``."""
    if not 400 <= response.status_code < 500:
        return
    content_type = response.headers.get("content-type") or [""]  # schemathesis keeps each header as a list
    assert content_type[0].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"message", "type", "param", "code"}, body
    assert isinstance(err["message"], str) and err["message"].strip(), body
    assert isinstance(err["type"], str) and err["type"].endswith("_error"), body
    assert isinstance(err["code"], str) and err["code"], body
    assert err["param"] is None or isinstance(err["param"], str), body


CHECKS = [not_a_server_error, error_shape, response_schema_conformance, negative_data_rejection]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)

fuzz_schema = schemathesis.openapi.from_dict(copy.deepcopy(OPENAPI))


@fuzz_schema.parametrize()
@SETTINGS
def test_api_fuzz(case, server) -> None:
    response = case.call_and_validate(base_url=server.url, checks=CHECKS)
    STATUSES[(case.method.upper(), case.path, response.status_code)] += 1


def narrowed(schema: dict) -> dict:
    """A copy of ``schema`` whose questions are answerable and whose uploads are small documents."""
    s = copy.deepcopy(schema)
    comp = s["components"]["schemas"]
    text = {"type": "string", "minLength": 1, "maxLength": 120}
    # Questions must be Chinese or English (rag.question): mostly CJK ideographs, Latin letters and digits.
    question = {"type": "string", "pattern": r"^[\u4e00-\u9fffA-Za-z0-9][\u4e00-\u9fffA-Za-z0-9 ,.?，。？]{0,60}$"}
    comp["ChatMessage"]["properties"].update(role={"type": "string", "enum": ["user"]}, content=question)
    comp["ChatMessage"]["required"] = ["role", "content"]
    comp["ChatCompletionRequest"]["properties"]["messages"]["maxItems"] = 3
    comp["AskRequest"]["properties"]["question"] = question
    comp["AskRequest"]["properties"]["history"].update(maxItems=3)
    comp["HistoryTurn"]["properties"]["content"] = text
    upload = comp["Body_upload_v1_documents_post"]["properties"]["file"]
    upload.update(type="string", minLength=1, maxLength=2000)
    upload.pop("contentMediaType", None)
    return s


answer_schema = schemathesis.openapi.from_dict(
    narrowed(OPENAPI), config=SchemathesisConfig.from_dict({"generation": {"mode": "positive"}})
).include(path_regex=r"^/v1/(ask|chat/completions|documents)$", method="POST")


@answer_schema.parametrize()
@SETTINGS
def test_api_answers(case, server) -> None:
    if case.path != "/v1/documents":
        response = case.call_and_validate(base_url=server.url, checks=CHECKS)
        STATUSES[(case.method.upper(), case.path, response.status_code)] += 1
        return
    # Schemathesis names the file part after its field ("file", no suffix: 415); send it as a .txt file.
    data = case.body["file"]
    data = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    name = f"schemathesis-{next(_upload_names)}.txt"
    with requests.Session() as session:
        response = session.post(f"{server.url}/v1/documents", files={"file": (name, data)}, timeout=60)
        case.validate_response(response, checks=[not_a_server_error, error_shape, response_schema_conformance])
        STATUSES[("POST", case.path, response.status_code)] += 1
        if response.status_code == 201:
            deleted = session.delete(f"{server.url}/v1/documents/{response.json()['doc_id']}", timeout=60)
            case.validate_response(deleted, checks=[not_a_server_error, error_shape])
            assert deleted.status_code == 200, deleted.text
            STATUSES[("DELETE", "/v1/documents/{doc_id}", deleted.status_code)] += 1


def test_zz_reached_the_pipeline(server) -> None:
    """The passes above really answered questions and ingested documents (not only refused input).

    Runs after them (pytest keeps file order); on its own it is skipped.
    """
    if not STATUSES:
        pytest.skip("run with the schemathesis tests above")
    by_status = Counter()
    for (method, path, status), n in STATUSES.items():
        by_status[(method, path, status // 100)] += n
    print("schemathesis responses:", dict(sorted(STATUSES.items())))
    print("cases:", sum(STATUSES.values()))
    assert by_status[("POST", "/v1/ask", 2)] >= 5
    assert by_status[("POST", "/v1/chat/completions", 2)] >= 5
    assert by_status[("POST", "/v1/documents", 2)] >= 1
    assert not any(status >= 500 for (_, _, status) in STATUSES)
