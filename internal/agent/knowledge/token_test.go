package knowledge

import (
	"reflect"
	"testing"
)

// Ensure tokenisation lowercases, drops stop words and punctuation, and
// stems inflections so that questions and documents meet.
func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"stop words and case", "How many Days of Leave do I have?", []string{"day", "leav"}},
		{"plural and singular meet", "days day leaves leave bodies body", []string{"day", "day", "leav", "leav", "body", "body"}},
		{"-ing and -ed", "booking booked book approved approve carried carry submitted submit", []string{"book", "book", "book", "approv", "approv", "carry", "carry", "submit", "submit"}},
		{"words that only look plural", "bonus basis class", []string{"bonus", "basis", "class"}},
		{"possessives and contractions", "doctor's notes, don't", []string{"doctor", "not"}},
		{"numbers and ordinals", "paid on the 25th, £1,500 and 6%", []string{"pay", "25", "1", "500", "6"}},
		{"irregular forms", "paid lost children", []string{"pay", "los", "child"}},
		{"unicode letters", "Café naïve ÜBER", []string{"café", "naïve", "über"}},
		{"nothing left", "what is it?", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
