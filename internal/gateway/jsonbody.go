package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/apperr"
)

// decodeJSON decodes one JSON value from body into v. Syntax errors, type
// mismatches, invalid UTF-8 and trailing data are invalid_json refusals that
// say where the problem is, without echoing the body.
func decodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return apperr.New(apperr.KindInvalid, apperr.CodeInvalidJSON, "The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return apperr.Wrap(err, apperr.KindInvalid, apperr.CodeInvalidJSON,
				"The request body is not valid JSON (error at byte %d).", se.Offset)
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "the body"
			}
			return apperr.Wrap(err, apperr.KindInvalid, apperr.CodeInvalidJSON,
				"The field %q must be of type %s, not %s.", field, jsonTypeName(te.Type.Kind().String()), te.Value)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return apperr.Wrap(err, apperr.KindInvalid, apperr.CodeInvalidJSON, "The request body is truncated JSON.")
		}
		return apperr.Wrap(err, apperr.KindInvalid, apperr.CodeInvalidJSON, "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.KindInvalid, apperr.CodeInvalidJSON, "The request body has data after the JSON value.")
	}
	return nil
}

func jsonTypeName(kind string) string {
	switch kind {
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	case "int", "int64", "int32", "float64", "float32", "uint", "uint64":
		return "number"
	case "bool":
		return "boolean"
	}
	return kind
}
