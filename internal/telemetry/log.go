package telemetry

import (
	"context"
	"log/slog"
)

// Log attribute keys added by the handler of NewLogHandler.
const (
	LogRequestID = "request_id"
	LogTraceID   = "trace_id"
)

// NewLogHandler returns a handler that adds the request id and the trace
// id carried by each record's context (log.InfoContext and the like) as
// request_id and trace_id, then passes the record to h. A record that
// already has either key, or a logger that was given it with With, keeps
// its own. Wrapping a handler this returned gives it back unchanged.
func NewLogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*logHandler); ok {
		return h
	}
	return &logHandler{inner: h}
}

// logHandler is the handler of NewLogHandler.
type logHandler struct {
	inner slog.Handler
	// hasRID and hasTID mark keys given with WithAttrs.
	hasRID, hasTID bool
}

// Enabled reports whether the wrapped handler handles level.
func (h *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle adds the ids of ctx to r and passes it on.
func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.inner.Handle(ctx, r)
	}
	var rid, tid string
	if !h.hasRID {
		rid = RequestID(ctx)
	}
	if !h.hasTID {
		tid = TraceID(ctx)
	}
	if rid == "" && tid == "" {
		return h.inner.Handle(ctx, r)
	}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case LogRequestID:
			rid = ""
		case LogTraceID:
			tid = ""
		}
		return rid != "" || tid != ""
	})
	if rid == "" && tid == "" {
		return h.inner.Handle(ctx, r)
	}
	r = r.Clone()
	if rid != "" {
		r.AddAttrs(slog.String(LogRequestID, rid))
	}
	if tid != "" {
		r.AddAttrs(slog.String(LogTraceID, tid))
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs returns the handler with attrs added to every record.
func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := &logHandler{inner: h.inner.WithAttrs(attrs), hasRID: h.hasRID, hasTID: h.hasTID}
	for _, a := range attrs {
		switch a.Key {
		case LogRequestID:
			c.hasRID = true
		case LogTraceID:
			c.hasTID = true
		}
	}
	return c
}

// WithGroup returns the handler with later attributes in group name (the
// ids included).
func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{inner: h.inner.WithGroup(name), hasRID: h.hasRID, hasTID: h.hasTID}
}
