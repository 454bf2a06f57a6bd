"""Langfuse user-tracking page, Python: observations created directly. A span and a nested
generation of gpt-4o without usage, both of user_span; then a second trace with usage and cost."""
from langfuse import get_client, propagate_attributes

langfuse = get_client()
with langfuse.start_as_current_observation(
    as_type="span",
    name="process-user-request"
) as root_span:
    # Propagate user_id to all child observations
    with propagate_attributes(user_id="user_span"):
        # All observations created here automatically have user_id
        with root_span.start_as_current_observation(
            as_type="generation",
            name="generate-response",
            model="gpt-4o"
        ) as gen:
            # This observation automatically has user_id
            pass

# The same with usage and cost given by the application (the SDK sends floats; the job reads
# their decimal text exactly and does not price a generation whose cost is given).
with langfuse.start_as_current_observation(as_type="span", name="process-user-request") as root_span:
    with propagate_attributes(user_id="user_span"):
        with root_span.start_as_current_observation(as_type="generation", name="generate-response", model="gpt-4o") as gen:
            gen.update(usage_details={"input": 100, "output": 20}, cost_details={"input": 0.00025, "output": 0.0002})
langfuse.flush()
print("done", flush=True)
