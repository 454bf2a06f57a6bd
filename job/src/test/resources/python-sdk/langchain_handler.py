"""Langfuse user-tracking page, Python: the LangChain CallbackHandler, on a prompt | model chain
whose OpenAI chat model is served from OPENAI_BASE_URL (a stub in the test). The span, the
chain, the prompt and the model's generation (usage from the response), all of user_langchain."""
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI
from langfuse import get_client, propagate_attributes
from langfuse.langchain import CallbackHandler

chain = ChatPromptTemplate.from_template("Tell me a joke about {animal}") | ChatOpenAI(model="gpt-4o-mini", temperature=0)

langfuse = get_client()
handler = CallbackHandler()
with langfuse.start_as_current_observation(as_type="span", name="langchain-call"):
    # Propagate user_id to all observations
    with propagate_attributes(user_id="user_langchain"):
        # Pass handler to the chain invocation
        chain.invoke(
            {"animal": "dog"},
            config={"callbacks": [handler]},
        )
langfuse.flush()
print("done", flush=True)
