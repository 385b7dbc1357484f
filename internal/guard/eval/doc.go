// Package eval measures guard detectors against labelled data: it loads
// cases (Palisade's JSON Lines format, or Microsoft's Presidio synthetic PII
// set), runs a detector over them, and scores its findings per type at the
// span level (precision, recall, F1) and, for prompt injection, per case.
// The report prints as an aligned table or as JSON, and carries a few
// examples of each kind of error, identified by case and offsets, so that a
// regression can be traced without copying sensitive text around.
package eval
