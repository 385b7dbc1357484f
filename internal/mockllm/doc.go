// Package mockllm is a model server that speaks the OpenAI chat
// completions wire protocol, for tests and benchmarks.
//
// It answers POST /v1/chat/completions, at once or as a server-sent event
// stream as the request asks, and GET /v1/models, with a deterministic
// answer of configurable length. Its Mode shapes the timing: instant
// answers at once, latency waits a fixed time before answering, stream
// spaces the streamed chunks by a fixed delay. Requests are validated just
// enough to catch a client that does not speak the protocol, and refused
// with OpenAI-style error bodies. It keeps atomic counters of what it
// served so tests can assert on them.
//
// It speaks function calling just enough to drive a client's tool loop:
// when a request has tools and its last message is the user's, it calls
// the first tool whose name or description shares a word of four letters
// or more with that message (arguments "{}", finish_reason "tool_calls",
// streamed as OpenAI streams tool calls when asked); when the last message
// is a tool result, it answers "Tool <name> returned: <content>".
package mockllm
