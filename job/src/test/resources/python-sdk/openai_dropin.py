"""Langfuse user-tracking page, Python: the langfuse.openai drop-in client. The span and the
generation the integration records from the response (usage from the OpenAI-compatible server
at OPENAI_BASE_URL, a stub in the test; no cost: the job prices it from its model prices), both
of user_openai."""
from langfuse import get_client, propagate_attributes
from langfuse.openai import openai

langfuse = get_client()
with langfuse.start_as_current_observation(as_type="span", name="openai-call"):
    # Propagate user_id to all observations including OpenAI generation
    with propagate_attributes(user_id="user_openai"):
        completion = openai.chat.completions.create(
            name="test-chat",
            model="gpt-3.5-turbo",
            messages=[
                {"role": "system", "content": "You are a calculator."},
                {"role": "user", "content": "1 + 1 = "}
            ],
            temperature=0,
        )
langfuse.flush()
print("done", flush=True)
