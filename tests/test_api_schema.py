"""The JSON API against its own OpenAPI document, with Schemathesis: generated requests —
valid, and invalid on purpose — never get a server error, and every answer has the status
and shape the document promises. Runs on each database backend."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

OPERATIONS = ["GET /api/v1/rankings", "GET /api/v1/search"]
# The rankings' parameters depend on each other (window=custom needs start and end, start
# before end, at most a year) in ways OpenAPI parameters cannot say: a request the document
# allows may get a documented 400 with its reason, which this check would count as a fault.
EXCLUDED = {"GET /api/v1/rankings": [positive_data_acceptance]}


@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_keeps_its_document_whatever_it_is_sent(app, label):
    app.config["RANKINGS_API_RATE_LIMIT"] = 0  # the fuzzing client is one fast address
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {op.ok().label: op.ok() for op in schema.get_all_operations()}
    assert set(operations) == set(OPERATIONS)  # a new operation gets fuzzed here too

    @given(case=operations[label].as_strategy())
    @settings(max_examples=80, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def answers_as_documented(case):
        case.call_and_validate(excluded_checks=EXCLUDED.get(label, []))

    answers_as_documented()


def test_the_document_names_no_host_from_the_request(client):
    document = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).json
    assert document["servers"] == [{"url": "/"}]
    assert {"/api/v1/rankings", "/api/v1/search"} <= set(document["paths"])
