package pii

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"",
	"Write to john.smith+tag@example.co.uk or call +44 20 7946 0958.",
	"Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, SSN 536-22-8812",
	"NINO AB 12 34 56 C, DNI 12345678Z, NIE X1234567L, BSN 111222333, SIN: 130 692 544",
	"personnummer 811228-9874, Aadhaar 2341 2341 2346",
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
	"IP 192.168.1.1 and fe80::1ff:fe23:4567:890a and v1.2.3.4",
	"I was born on 12 April 1990. DOB: 1990-04-12",
	"My name is Jean-Luc O'Brien. Dear Szöllösy, regards,\nMaría",
	"I live at 221 Baker Street, Apt. 4. Calle Mayor 5. Hauptstraße 5. PSC 3294, Box 9168\nAPO AA 61487",
	"My father was diagnosed with type 2 diabetes and takes metformin.",
	"\x00\xff\xfe@@@<<<<<<+++(((1)))...---",
	"(202) 555-0143x204 +46 (0)8 928 571 38 202.555.0143",
}

// FuzzDetect checks the Detect contract on any input: no panic, offsets in
// bounds and on character boundaries of valid UTF-8, findings sorted and
// not overlapping, known types and categories, confidence in range, the
// same result twice, and the caller's slice kept.
func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	d := New(Options{})
	f.Fuzz(func(t *testing.T, text string) {
		fs := d.Detect(nil, text)
		checkFindings(t, text, fs)
		if utf8.ValidString(text) {
			for _, fd := range fs {
				if !utf8.RuneStart(text[fd.Start]) || (fd.End < len(text) && !utf8.RuneStart(text[fd.End])) {
					t.Fatalf("finding %+v splits a character", fd)
				}
			}
		}
		again := d.Detect(fs[:0:0], text)
		if !slices.Equal(fs, again) {
			t.Fatalf("not deterministic:\n%+v\n%+v", fs, again)
		}
		prefix := d.Detect(nil, "x@example.com ")
		withPrefix := d.Detect(prefix, text)
		if len(withPrefix) != len(prefix)+len(fs) || !slices.Equal(withPrefix[:len(prefix)], prefix) {
			t.Fatalf("Detect did not append to dst")
		}
	})
}

// FuzzValidators checks that the validators accept any string and agree
// with each other where they must.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "536-22-8812", "2363", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CardValid(s) && !Luhn(s) {
			t.Fatalf("CardValid(%q) but not Luhn", s)
		}
		if SSNValid(s) && len(s) != 9 && len(s) != 11 {
			t.Fatalf("SSNValid(%q) with length %d", s, len(s))
		}
		if IBANValid(s) {
			c := strings.ReplaceAll(s, " ", "")
			if ibanLen(c[0], c[1]) != len(c) {
				t.Fatalf("IBANValid(%q) with the wrong length", s)
			}
		}
		Verhoeff(s)
	})
}
