// Package upstream is the agent that answers through an OpenAI-compatible
// model server (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp…).
//
// It speaks POST {base}/chat/completions, at once or as a server-sent event
// stream, and turns every failure into one of Palisade's refusals
// (apperr): the model server unreachable, too slow, rate limiting, refusing
// Palisade's credentials, or sending something that is not a valid answer.
// It never retries a request (a chat completion costs money and is not
// idempotent) and never follows a redirect to another host, where the API
// key would go with it.
//
// When a request has tools, the agent speaks OpenAI function calling: it
// sends the tools, makes every call the model asks for through
// Request.CallTool (Palisade executes the tools, never the client), sends
// the results back and asks again, for at most agent.MaxToolRounds rounds
// before a last request without tools. These rounds are never streamed:
// Stream emits the final answer as one delta once the model has answered
// without tool calls.
//
// The API key stays inside the request headers: it is never part of an
// error, and error messages quoted from the model server are shortened and
// scrubbed of anything that looks like a key.
package upstream
