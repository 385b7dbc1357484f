package knowledge

import (
	"reflect"
	"testing"
)

// Ensure section text is split into quotable units: each list item and
// table row on its own, paragraphs into sentences, Markdown marks removed.
func TestSplitUnits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{
			name: "sentences of a paragraph",
			in:   "You get 25 days. Book them early!\nAsk HR? Yes.",
			want: []string{"You get 25 days.", "Book them early!", "Ask HR?", "Yes."},
		},
		{
			name: "abbreviations, initials and decimals do not end sentences",
			in:   "Bring ID, e.g. a passport. Ask Dr. Smith or J. Bloggs. Rates are 1.5 times pay.",
			want: []string{"Bring ID, e.g. a passport.", "Ask Dr. Smith or J. Bloggs.", "Rates are 1.5 times pay."},
		},
		{
			name: "bulleted and numbered lists, one unit per item",
			in:   "Steps:\n\n- First item\n  continues here.\n* Second item\n1. Numbered one\n2) Numbered two\n- [x] Done task",
			want: []string{"Steps:", "First item continues here.", "Second item", "Numbered one", "Numbered two", "Done task"},
		},
		{
			name: "table rows with their header",
			in:   "| Service | Full pay |\n|---|:--:|\n| Under 1 year | 2 weeks |\n| 1 to 5 years | 8 weeks |",
			want: []string{"Service Full pay", "Service: Under 1 year; Full pay: 2 weeks", "Service: 1 to 5 years; Full pay: 8 weeks"},
		},
		{
			name: "table without a header",
			in:   "| a | b |\n| c | d |",
			want: []string{"a | b", "c | d"},
		},
		{
			name: "emphasis, code and links",
			in:   "Use **the People Hub** at [the portal](https://people.example) or `hr@example`. See [leave](leave.md).",
			want: []string{"Use the People Hub at the portal (https://people.example) or hr@example.", "See leave."},
		},
		{
			name: "block quotes, rules and deep headings",
			in:   "> Quoted rule.\n\n---\n\n#### Example\nText.",
			want: []string{"Quoted rule.", "Example", "Text."},
		},
		{
			name: "code blocks are one unit",
			in:   "Run:\n\n```sh\nmake\nmake test\n```",
			want: []string{"Run:", "make\nmake test"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, u := range splitUnits(tt.in) {
				got = append(got, u.text)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("units =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// Ensure list items and table rows are marked as blocks (shown on their own
// line) and table headers as hidden (never quoted).
func TestSplitUnitsKinds(t *testing.T) {
	units := splitUnits("Intro.\n\n- item\n\n| H |\n|---|\n| row |")
	want := []unit{
		{text: "Intro."},
		{text: "item", block: true},
		{text: "H", hidden: true},
		{text: "H: row", block: true, cells: "row", header: "H"},
	}
	if !reflect.DeepEqual(units, want) {
		t.Errorf("units = %+v, want %+v", units, want)
	}
}
