"""userIds at and over the rules' limits. Through propagate_attributes the SDK drops a non-string
and one over 200 characters (len(): code points) with a warning and still exports the trace, with
no user; it keeps 200 emoji (200 code points, 800 bytes of UTF-8) and a short emoji id. Set on a
span directly (the SDK's check bypassed), the job's own user-ID rules must drop them."""
from langfuse import get_client, propagate_attributes
from opentelemetry import trace

langfuse = get_client()
for bad in (12345, "u" * 201, "\U0001F600" * 201):
    with langfuse.start_as_current_observation(as_type="span", name="dropped-by-sdk"):
        with propagate_attributes(user_id=bad):
            langfuse.start_observation(name="child").end()
for good in ("\U0001F600" * 200, "user-\U0001F99C"):
    with langfuse.start_as_current_observation(as_type="span", name="at-the-limit"):
        with propagate_attributes(user_id=good):
            langfuse.start_observation(name="child").end()
for bad in (12345, "\U0001F600" * 201):
    with langfuse.start_as_current_observation(as_type="span", name="dropped-by-job"):
        trace.get_current_span().set_attribute("user.id", bad)
langfuse.flush()
print("done", flush=True)
