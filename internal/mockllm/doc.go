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
package mockllm
