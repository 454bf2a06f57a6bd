#!/usr/bin/env python3
"""Writes the bad-input corpus: one Kafka record value per file (exact bytes) and expected.tsv
(file, action, reason, what it is). Run from this directory: python3 make-corpus.py
Every record uses its own trace ids and no valid userId, so applying the field-fixed ones adds
nothing to any user's metrics: the rest of a stream stays exactly as without them."""
import json

OK_TS = "2026-03-01T10:00:00Z"
rows = []

def env(n, type_="trace-create", body=None, **over):
    e = {"id": f"bad-{n}", "timestamp": OK_TS, "type": type_, "projectId": "bad-input-project",
         "body": body if body is not None else {"id": f"bad-trace-{n}"}}
    e.update(over)
    return e

def put(name, data, action, reason, what):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, ensure_ascii=False)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fn = f"{len(rows) + 1:02d}-{name}.record"
    with open(fn, "wb") as f:
        f.write(data)
    rows.append((fn, action, reason, what))

R, U, E, M, S, N = "rejected", "user_id_dropped", "environment_defaulted", "model_dropped", "session_id_dropped", "trace_name_dropped"
put("not-json", "hello, this is not json", R, "not_json", "plain text")
put("truncated-json", '{"id":"bad-2","timestamp":"2026-03-01T10:00:00Z","type":"trace-cr', R, "not_json", "JSON cut off mid-string")
put("invalid-utf8", b'{"id":"bad-3","timestamp":"2026-03-01T10:00:00Z","type":"trace-create","projectId":"p","body":{"id":"t\xc3\x28x"}}', R, "not_json", "invalid UTF-8 bytes inside a string")
put("nesting-10000", '{"id":"bad-4","body":' + "[" * 10000 + "]" * 10000 + "}", R, "nesting_too_deep", "arrays nested 10,000 deep")
put("record-900kb", json.dumps(env(5, body={"id": "bad-trace-5", "metadata": {"blob": "x" * 900_000}})), R, "record_too_large", "a 900 KB record")
put("empty-record", b"", R, "empty_record", "a record with no bytes")
put("top-level-array", "[1,2,3]", R, "not_an_object", "a JSON array instead of an object")
put("top-level-string", '"trace-create"', R, "not_an_object", "a JSON string instead of an object")
put("duplicate-keys", '{"id":"bad-9","id":"bad-9b","timestamp":"2026-03-01T10:00:00Z","type":"trace-create","projectId":"p","body":{"id":"t"}}', R, "not_json", "the same key twice in one object")
put("trailing-garbage", json.dumps(env(10)) + " {}", R, "not_json", "a second value after the object")
put("nan-cost", '{"id":"bad-11","timestamp":"2026-03-01T10:00:00Z","type":"generation-create","projectId":"p","body":{"id":"o","traceId":"t","costDetails":{"total":NaN}}}', R, "not_json", "NaN is not JSON")
put("infinity-cost", '{"id":"bad-12","timestamp":"2026-03-01T10:00:00Z","type":"generation-create","projectId":"p","body":{"id":"o","traceId":"t","costDetails":{"total":Infinity}}}', R, "not_json", "Infinity is not JSON")
e = env(13); del e["id"]; put("missing-id", e, R, "missing_field", "no envelope id")
put("id-number", env(14, id=14), R, "invalid_field", "envelope id is a number")
put("id-with-nul", env(15, id="bad\u000015"), R, "invalid_field", "envelope id contains U+0000")
e = env(16); del e["type"]; put("missing-type", e, R, "missing_field", "no type")
put("type-number", env(17, type=7), R, "invalid_field", "type is a number")
put("unknown-type", env(18, "observation-create"), R, "unknown_type", "a type the job does not know")
e = env(19); del e["timestamp"]; put("missing-timestamp", e, R, "missing_field", "no timestamp")
put("timestamp-unparsable", env(20, timestamp="last tuesday"), R, "invalid_timestamp", "timestamp is not ISO-8601")
put("timestamp-no-offset", env(21, timestamp="2026-03-01T10:00:00"), R, "invalid_timestamp", "timestamp without Z or an offset")
put("timestamp-far-past", env(22, timestamp="1200-01-01T00:00:00Z"), R, "invalid_timestamp", "timestamp in the year 1200")
put("timestamp-far-future", env(23, timestamp="9999-12-31T23:59:59Z"), R, "invalid_timestamp", "timestamp in the year 9999")
put("timestamp-number", env(24, timestamp=1767225600), R, "invalid_timestamp", "timestamp as epoch seconds")
e = env(25); del e["body"]; put("missing-body", e, R, "missing_field", "no body")
put("body-string", env(26, body="t"), R, "invalid_field", "body is a string")
put("observation-without-trace", env(27, "span-create", {"id": "bad-obs-27"}), R, "missing_field", "an observation without traceId")
put("body-id-object", env(28, body={"id": {"x": 1}}), R, "invalid_field", "body.id is an object")
put("start-time-number", env(29, "span-create", {"id": "bad-obs-29", "traceId": "bad-trace-29", "startTime": 5}), R, "invalid_timestamp", "startTime is a number")
def gen(n, **body):
    b = {"id": f"bad-obs-{n}", "traceId": f"bad-trace-{n}"}
    b.update(body)
    return env(n, "generation-create", b)
put("usage-negative", gen(30, usageDetails={"input": -5}), R, "invalid_usage", "negative usage")
put("usage-fractional", gen(31, usageDetails={"input": 2.5}), R, "invalid_usage", "fractional usage")
put("usage-overflow", '{"id":"bad-32","timestamp":"2026-03-01T10:00:00Z","type":"generation-create","projectId":"bad-input-project","body":{"id":"bad-obs-32","traceId":"bad-trace-32","usageDetails":{"input":9223372036854775808}}}', R, "invalid_usage", "usage above 2^63")
put("usage-sum-over-2-53", gen(33, usageDetails={"input": 2**53, "output": 1}), R, "invalid_usage", "usage values adding up to more than 2^53")
put("usage-array", gen(34, usageDetails=[1, 2]), R, "invalid_usage", "usageDetails is an array")
put("usage-string", gen(35, usageDetails={"input": "10"}), R, "invalid_usage", "a usage value as a string")
put("cost-huge-exponent", '{"id":"bad-36","timestamp":"2026-03-01T10:00:00Z","type":"generation-create","projectId":"bad-input-project","body":{"id":"bad-obs-36","traceId":"bad-trace-36","costDetails":{"total":1e999999}}}', R, "invalid_cost", "cost 1e999999")
put("cost-negative", gen(37, costDetails={"total": -0.5}), R, "invalid_cost", "negative cost")
put("cost-string", gen(38, costDetails={"total": "free"}), R, "invalid_cost", "cost as a string")
put("cost-too-precise", '{"id":"bad-39","timestamp":"2026-03-01T10:00:00Z","type":"generation-create","projectId":"bad-input-project","body":{"id":"bad-obs-39","traceId":"bad-trace-39","costDetails":{"total":0.000000000000000000001}}}', R, "invalid_cost", "a cost with 21 decimal places")
put("user-id-number", env(40, body={"id": "bad-trace-40", "userId": 12345}), U, "user_id_not_string", "userId is a number")
put("user-id-object", env(41, body={"id": "bad-trace-41", "userId": {"id": "u"}}), U, "user_id_not_string", "userId is an object")
put("user-id-array", env(42, body={"id": "bad-trace-42", "userId": ["u"]}), U, "user_id_not_string", "userId is an array")
put("user-id-boolean", env(43, body={"id": "bad-trace-43", "userId": True}), U, "user_id_not_string", "userId is a boolean")
put("user-id-201-chars", env(44, body={"id": "bad-trace-44", "userId": "x" * 201}), U, "user_id_too_long", "userId of 201 characters")
put("user-id-201-emoji", env(45, body={"id": "bad-trace-45", "userId": "\U0001F600" * 201}), U, "user_id_too_long", "userId of 201 emoji (code points, 402 UTF-16 units)")
put("user-id-nul", env(46, body={"id": "bad-trace-46", "userId": "bad\u0000user"}), U, "user_id_not_storable", "userId contains U+0000")
put("user-id-lone-surrogate", '{"id":"bad-47","timestamp":"2026-03-01T10:00:00Z","type":"trace-create","projectId":"bad-input-project","body":{"id":"bad-trace-47","userId":"bad\\ud800user"}}', U, "user_id_not_storable", "userId contains an unpaired surrogate")
put("project-empty", env(48, projectId=""), R, "missing_field", "projectId is empty")
put("project-10kb", env(49, projectId="p" * 10_000), R, "invalid_field", "projectId of 10,000 characters")
put("project-nul", env(50, projectId="bad\u0000project"), R, "invalid_field", "projectId contains U+0000")
put("project-number", env(51, projectId=42), R, "invalid_field", "projectId is a number")
e = env(52); del e["projectId"]; put("project-missing", e, R, "missing_field", "no projectId")
put("environment-reserved", env(53, body={"id": "bad-trace-53", "environment": "langfuse-internal"}), E, "invalid_environment", "environment with the reserved prefix langfuse")
put("environment-too-long", env(54, body={"id": "bad-trace-54", "environment": "e" * 41}), E, "invalid_environment", "environment of 41 characters")
put("model-number", gen(55, model=4), M, "invalid_model", "model is a number")
put("score-without-trace", env(56, "score-create", {"id": "bad-score-56", "sessionId": "s", "name": "q", "value": 1}), R, "score_without_trace", "a score of a session")
put("score-boolean-2", env(57, "score-create", {"id": "bad-score-57", "traceId": "bad-trace-57", "name": "q", "dataType": "BOOLEAN", "value": 2}), R, "invalid_score", "a BOOLEAN score of 2")
put("score-nan-string", env(58, "score-create", {"id": "bad-score-58", "traceId": "bad-trace-58", "name": "q", "dataType": "NUMERIC", "value": "NaN"}), R, "invalid_score", "a NUMERIC score given as the string NaN")

# Cost bounded by size: numbers whose exponent (not their digits) is huge, judged without expanding them.
def raw_gen(n, body_json):
    return '{"id":"bad-%d","timestamp":"2026-03-01T10:00:00Z","type":"generation-create","projectId":"bad-input-project","body":{"id":"bad-obs-%d","traceId":"bad-trace-%d",%s}}' % (n, n, n, body_json)
put("usage-exponent-1e10000000", raw_gen(59, '"usageDetails":{"input":1e10000000}'), R, "invalid_usage", "a usage of 1e10000000 (150 bytes; was seconds of CPU)")
put("usage-exponent-1e-10000000", raw_gen(60, '"usageDetails":{"input":1e-10000000}'), R, "invalid_usage", "a usage of 1e-10000000 (not an integer)")
put("usage-exponent-max-int", raw_gen(61, '"usageDetails":{"input":1e2147483647}'), R, "invalid_usage", "a usage with the largest exponent Java can hold")
put("cost-exponent-1e-10000000", raw_gen(62, '"costDetails":{"total":1e-10000000}'), R, "invalid_cost", "a cost of 1e-10000000 (too many decimal places)")
put("score-exponent-1e10000000", '{"id":"bad-63","timestamp":"2026-03-01T10:00:00Z","type":"score-create","projectId":"bad-input-project","body":{"id":"bad-score-63","traceId":"bad-trace-63","name":"q","value":1e10000000}}', R, "invalid_score", "a score value of 1e10000000")
put("usage-legacy-exponent", raw_gen(64, '"usage":{"promptTokens":9.99e99999999}'), R, "invalid_usage", "an OpenAI-style usage with a huge exponent")
# Key columns bounded by Postgres's index row limit (2,704 bytes): content must never fail a sink.
put("event-id-1000-cjk", env(65, "generation-create", {"id": "bad-obs-65", "traceId": "bad-trace-65", "usageDetails": {"input": -1}}, id="".join(chr(0x4E00 + i) for i in range(1000))),
    R, "invalid_usage", "a rejected record whose event id is 1,000 varied CJK characters (3,000 bytes; made rejected_events fail forever)")
put("score-name-1000-cjk", env(66, "score-create", {"id": "bad-score-66", "traceId": "bad-trace-66", "name": "".join(chr(0x4E00 + i) for i in range(1000)), "value": 1}),
    R, "invalid_score", "a score name of 1,000 CJK characters (3,000 bytes, over the 1,000-byte key limit)")
# Maps with thousands of keys: each key would become a key of the user's rows (rewritten whole on every change).
put("usage-10000-keys", raw_gen(67, '"usageDetails":{%s}' % ",".join('"k%d":1' % i for i in range(10000))), R, "invalid_usage", "usageDetails with 10,000 keys (more than 64)")
put("cost-10000-keys", raw_gen(68, '"costDetails":{%s}' % ",".join('"k%d":0.1' % i for i in range(10000))), R, "invalid_cost", "costDetails with 10,000 keys (more than 64)")
# The sessionId follows the user-ID rules: dropped with a reason, the trace kept (without a session).
put("session-id-number", env(69, body={"id": "bad-trace-69", "sessionId": 42}), S, "session_id_not_string", "sessionId is a number")
put("session-id-201-chars", env(70, body={"id": "bad-trace-70", "sessionId": "s" * 201}), S, "session_id_too_long", "sessionId of 201 characters")
put("session-id-nul", env(71, body={"id": "bad-trace-71", "sessionId": "bad\u0000session"}), S, "session_id_not_storable", "sessionId contains U+0000")
# A trace's name: a storable string of at most 1,000 characters (Langfuse's limit); dropped with a reason, the trace kept.
put("trace-name-number", env(72, body={"id": "bad-trace-72", "name": 42}), N, "invalid_trace_name", "trace name is a number")
put("trace-name-1001-chars", env(73, body={"id": "bad-trace-73", "name": "n" * 1001}), N, "invalid_trace_name", "trace name of 1,001 characters")
put("trace-name-nul", env(74, body={"id": "bad-trace-74", "name": "bad\u0000name"}), N, "invalid_trace_name", "trace name contains U+0000")

with open("expected.tsv", "w") as f:
    f.write("file\taction\treason\twhat\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(f"{len(rows)} kinds")
