"""Langfuse user-tracking page, Python: the @observe() decorator with propagate_attributes.
Two observations in one trace (the decorated function and the nested one), both of user_observe."""
from langfuse import get_client, observe, propagate_attributes


@observe()
def process_query(user_query):
    return user_query.upper()


@observe()
def process_user_request(user_query):
    # Propagate user_id to all child observations
    with propagate_attributes(user_id="user_observe"):
        # All nested observations automatically inherit user_id
        result = process_query(user_query)
    return result


process_user_request("what is the capital of france?")
get_client().flush()
print("done", flush=True)
