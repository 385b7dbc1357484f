package pii

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// found is a finding reduced to what the tests compare: its type and the
// text it covers.
type found struct {
	Type, Text string
}

func findAll(t *testing.T, d *Detector, text string) []detect.Finding {
	t.Helper()
	fs := d.Detect(nil, text)
	checkFindings(t, text, fs)
	return fs
}

// checkFindings asserts the contract every result must meet: offsets in
// bounds, non-empty, sorted, not overlapping, known types, confidence in
// range.
func checkFindings(t testing.TB, text string, fs []detect.Finding) {
	t.Helper()
	types := Types()
	for i, f := range fs {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			t.Fatalf("finding %d %+v: bad offsets for text of %d bytes", i, f, len(text))
		}
		if i > 0 && f.Start < fs[i-1].End {
			t.Fatalf("finding %d %+v overlaps or precedes %+v", i, f, fs[i-1])
		}
		if !slices.Contains(types, f.Type) {
			t.Fatalf("finding %d: unknown type %q", i, f.Type)
		}
		if f.Confidence < minEmit || f.Confidence > 1 {
			t.Fatalf("finding %d %+v: confidence out of range", i, f)
		}
		want := detect.PII
		if f.Type == TypeHealth {
			want = detect.PHI
		}
		if f.Category != want {
			t.Fatalf("finding %d %+v: category %q, want %q", i, f, f.Category, want)
		}
	}
}

// reported returns the findings at or above the usual policy threshold.
func reported(t *testing.T, text string) []found {
	t.Helper()
	var out []found
	for _, f := range findAll(t, New(Options{}), text) {
		if f.Confidence >= 0.5 {
			out = append(out, found{f.Type, text[f.Start:f.End]})
		}
	}
	return out
}

type detectCase struct {
	name string
	text string
	want []found // findings at confidence >= 0.5, in order
}

func runCases(t *testing.T, cases []detectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reported(t, tc.text)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%q:\n got  %v\n want %v", tc.text, got, tc.want)
			}
		})
	}
}

func one(typ, text string) []found { return []found{{typ, text}} }

// Ensure e-mail addresses are found whole and look-alikes are not.
func TestEmail(t *testing.T) {
	runCases(t, []detectCase{
		{"plain", "Write to john.smith+tag@example.co.uk today.", one(TypeEmail, "john.smith+tag@example.co.uk")},
		{"sentence end", "Mail jane_doe@mail.example.org.", one(TypeEmail, "jane_doe@mail.example.org")},
		{"run together", "ganesh@moonchaser.ioHi David", []found{{TypeEmail, "ganesh@moonchaser.io"}, {TypePerson, "David"}}},
		{"mention", "Thanks @john for the review", nil},
		{"no domain dot", "root@localhost is the admin", nil},
		{"one-letter tld", "a@b.c is no address", nil},
		{"decorator", "use @Override on the method", nil},
		{"local part too long", strings.Repeat("é", 40) + "@example.com", nil},
		{"unicode local part", "josé@example.com", one(TypeEmail, "josé@example.com")},
		{"url user", "git clone https://deploy@git.example.com/hr.git", nil},
		{"url password", "DATABASE_URL=postgres://app:s3cr.et@db.example.internal:5432/hr", nil},
		{"url password with @", "redis://u:p@ss@cache.example.net/0", nil},
		{"mailto", "mailto:ann@example.com", one(TypeEmail, "ann@example.com")},
		{"in url query", "https://example.com/invite?to=ann@example.com", one(TypeEmail, "ann@example.com")},
	})
}

// Ensure phone numbers in international and national formats are found,
// and numbers that only look like them are not reported.
func TestPhone(t *testing.T) {
	runCases(t, []detectCase{
		{"e164 uk", "Reach the desk on +44 20 7946 0958.", one(TypePhone, "+44 20 7946 0958")},
		{"e164 us dashes", "+1-202-555-0143 is my cell", one(TypePhone, "+1-202-555-0143")},
		{"e164 compact", "WhatsApp +447700900123", one(TypePhone, "+447700900123")},
		{"e164 trunk", "Stockholm office +46 (0)8 928 571 38", one(TypePhone, "+46 (0)8 928 571 38")},
		{"extension then number in parentheses", "call extension 4357 (0117 496 0357).", one(TypePhone, "0117 496 0357")},
		{"us parens", "It is (202) 555-0143.", one(TypePhone, "(202) 555-0143")},
		{"us dashes", "number 202-555-0143", one(TypePhone, "202-555-0143")},
		{"us dots", "202.555.0143", one(TypePhone, "202.555.0143")},
		{"us extension", "call 202-555-0143x204", one(TypePhone, "202-555-0143x204")},
		{"uk landline", "Our office: 020 7946 0958", one(TypePhone, "020 7946 0958")},
		{"uk mobile", "07700 900123", one(TypePhone, "07700 900123")},
		{"fr pairs", "Tel 01 23 45 67 89", one(TypePhone, "01 23 45 67 89")},
		{"nl mobile", "mobiel 06 12345678, call me", one(TypePhone, "06 12345678")},
		{"de", "Telefon: 030 12345678", one(TypePhone, "030 12345678")},
		{"context after", "555 0143 (mobile)", one(TypePhone, "555 0143")},
		{"unformatted with context", "Fax: 9498777106", one(TypePhone, "9498777106")},
		{"unformatted bare", "the value 9498777106 was logged", nil},
		{"order number", "Order 202-555-0143 has shipped", nil},
		{"order hash", "see #202-555-0143", nil},
		{"ticket id", "ticket INC0012345 is closed", nil},
		{"version", "upgrade to 10.0.19041.1 now", nil},
		{"iso date", "on 2022-02-01 at noon", nil},
		{"eu date", "due 01.02.2022", nil},
		{"time", "at 21:37:18 UTC", nil},
		{"amount", "charged $2,099.00 today", nil},
		{"amount plain", "a total of 1,234,567 units", nil},
		{"isbn13", "ISBN 978-3-16-148410-0", nil},
		{"isbn13 bare", "978-3-16-148410-0", nil},
		{"isbn10", "0-306-40615-2", nil},
		{"year range", "from 1990-2000", nil},
		{"driver licence", "my driver's license number is 2270-66-1551", nil},
		{"german compound cue", "Meine Telefonnummer ist 030 1380713.", one(TypePhone, "030 1380713")},
		{"ip", "host 192.168.100.200", one(TypeIPAddress, "192.168.100.200")},
	})
}

// Ensure card numbers need Luhn, an issuer range and a valid length, and
// are never also reported as phone numbers.
func TestCreditCard(t *testing.T) {
	runCases(t, []detectCase{
		{"visa spaces", "Card 4111 1111 1111 1111 expires", one(TypeCreditCard, "4111 1111 1111 1111")},
		{"visa dashes", "4111-1111-1111-1111", one(TypeCreditCard, "4111-1111-1111-1111")},
		{"amex", "amex 3782 822463 10005", one(TypeCreditCard, "3782 822463 10005")},
		{"mastercard", "5555555555554444", one(TypeCreditCard, "5555555555554444")},
		{"mastercard 2-series", "2223003122003222", one(TypeCreditCard, "2223003122003222")},
		{"discover", "6011111111111117", one(TypeCreditCard, "6011111111111117")},
		{"jcb", "3530111333300000", one(TypeCreditCard, "3530111333300000")},
		{"diners", "30569309025904", one(TypeCreditCard, "30569309025904")},
		{"unionpay", "6200000000000005", one(TypeCreditCard, "6200000000000005")},
		{"maestro", "6759649826438453", one(TypeCreditCard, "6759649826438453")},
		{"visa 19", "4222222222222222225", nil}, // fails Luhn
		{"luhn fails", "1234 5678 9012 3456", nil},
		{"order luhn fails", "order number 4111111111111112", nil},
		{"no issuer", "9111111111111110", nil},
		{"no issuer order", "Order 1234567812345670", nil},
		{"mixed separators", "4111 1111-1111 1111", nil},
		{"no issuer but called a card", "my card 9111111111111110", one(TypeCreditCard, "9111111111111110")},
		{"card hash", "limit on my card # 2297051310616322 please", one(TypeCreditCard, "2297051310616322")},
		{"in parentheses", "my own card (6207830252449911) for meals", one(TypeCreditCard, "6207830252449911")},
		{"grouped in parentheses", "my own card (6515 2915 5273 9146) for meals", one(TypeCreditCard, "6515 2915 5273 9146")},
		{"mir", "2200 0000 0000 0004", one(TypeCreditCard, "2200 0000 0000 0004")},
	})
}

// Ensure context words raise a card's confidence and an order number's
// lowers it.
func TestCardContext(t *testing.T) {
	d := New(Options{})
	conf := func(text string) float64 {
		fs := findAll(t, d, text)
		if len(fs) != 1 || fs[0].Type != TypeCreditCard {
			t.Fatalf("%q: got %+v", text, fs)
		}
		return fs[0].Confidence
	}
	bare, card, hash, order := conf("4111111111111111"), conf("card # 4111111111111111"),
		conf("my visa 4111111111111111"), conf("Order #4111111111111111")
	if !(card > bare && hash > bare && order < bare && bare >= 0.85) {
		t.Fatalf("bare %.2f card %.2f visa %.2f order %.2f", bare, card, hash, order)
	}
}

// Ensure IBANs need a registered country, its length and mod-97.
func TestIBAN(t *testing.T) {
	runCases(t, []detectCase{
		{"grouped", "IBAN GB82 WEST 1234 5698 7654 32.", one(TypeIBAN, "GB82 WEST 1234 5698 7654 32")},
		{"compact", "DE89370400440532013000", one(TypeIBAN, "DE89370400440532013000")},
		{"letters inside", "FR1420041010050500013M02606", one(TypeIBAN, "FR1420041010050500013M02606")},
		{"netherlands", "NL91ABNA0417164300", one(TypeIBAN, "NL91ABNA0417164300")},
		{"lower case", "gb82west12345698765432", one(TypeIBAN, "gb82west12345698765432")},
		{"bad checksum", "GB82 WEST 1234 5698 7654 33", nil},
		{"unknown country", "XX82WEST12345698765432", nil},
		{"wrong length", "DE8937040044053201300", nil},
	})
}

// Ensure SSNs follow the allocation rules and bare nine digits need
// context.
func TestSSN(t *testing.T) {
	runCases(t, []detectCase{
		{"dashed with context", "SSN: 536-22-8812", one(TypeUSSSN, "536-22-8812")},
		{"dashed bare", "it is 536-22-8812", one(TypeUSSSN, "536-22-8812")},
		{"spaced with context", "social security number 536 22 8812", one(TypeUSSSN, "536 22 8812")},
		{"undashed with context", "ssn 536228812", one(TypeUSSSN, "536228812")},
		{"undashed bare", "536228812", nil},
		{"advertised", "SSN 123-45-6789", nil},
		{"woolworth", "SSN 078-05-1120", nil},
		{"area 000", "SSN 000-12-3456", nil},
		{"area 666", "SSN 666-12-3456", nil},
		{"area 9xx", "SSN 912-12-3456", nil},
		{"group 00", "SSN 536-00-8812", nil},
		{"serial 0000", "SSN 536-22-0000", nil},
		{"spaced with cue a sentence before", "My social security number was entered wrong on my W-2. It should be 491 13 9217.",
			one(TypeUSSSN, "491 13 9217")},
		{"spaced bare", "the code 491 13 9217 was printed", nil},
	})
}

// Ensure the national identifiers with checksums are found, and fail when
// the checksum or the context is missing.
func TestNationalIDs(t *testing.T) {
	aadhaar := ""
	for d := '0'; d <= '9'; d++ {
		if Verhoeff("23412341234" + string(d)) {
			aadhaar = "2341 2341 234" + string(d)
		}
	}
	runCases(t, []detectCase{
		{"nino spaced", "NI number AB 12 34 56 C", one(TypeUKNINO, "AB 12 34 56 C")},
		{"nino compact", "AB123456C", one(TypeUKNINO, "AB123456C")},
		{"nino Q first", "QQ123456C", nil},
		{"nino D first", "DA123456C", nil},
		{"nino O second", "AO123456C", nil},
		{"nino GB", "GB123456A", nil},
		{"nino TN", "TN123456A", nil},
		{"nino suffix E", "AB123456E", nil},
		{"bsn", "BSN 111222333", one(TypeNLBSN, "111222333")},
		{"bsn no context", "111222333", nil},
		{"bsn bad", "BSN 111222334", nil},
		{"dni", "DNI 12345678Z", one(TypeESDNI, "12345678Z")},
		{"dni dash", "12345678-Z", one(TypeESDNI, "12345678-Z")},
		{"nie", "NIE X1234567L", one(TypeESDNI, "X1234567L")},
		{"dni bad letter", "12345678A", nil},
		{"personnummer", "personnummer 811228-9874", one(TypeSEPersonnummer, "811228-9874")},
		{"personnummer dashed bare", "811228-9874", one(TypeSEPersonnummer, "811228-9874")},
		{"personnummer long", "19811228-9874", one(TypeSEPersonnummer, "19811228-9874")},
		{"personnummer bad check", "811228-9875", nil},
		{"personnummer bad month", "811328-9874", nil},
		{"personnummer undashed bare", "8112289874", nil},
		{"sin", "SIN: 130 692 544", one(TypeCASIN, "130 692 544")},
		{"sin dashes", "social insurance number 130-692-544", one(TypeCASIN, "130-692-544")},
		{"sin no context", "130-692-544", nil},
		{"sin bad", "SIN: 130 692 545", nil},
		{"sin fictitious", "SIN: 046 454 286 (sample)", nil},
		{"aadhaar", "Aadhaar " + aadhaar, one(TypeINAadhaar, aadhaar)},
		{"aadhaar no context", aadhaar + " is a number", nil},
	})
}

// checkDigit computes an ICAO 9303 check digit.
func checkDigit(field string) string {
	for d := byte('0'); d <= '9'; d++ {
		if mrzCheck(field, d) {
			return string(d)
		}
	}
	return "?"
}

// Ensure machine-readable zones are found only when their check digits
// are right.
func TestMRZ(t *testing.T) {
	// A TD2 zone (36 characters a line) built with its check digits.
	doc, dob, exp, opt := "D23145890", "740812", "120415", "<<<<<<<"
	l2 := doc + checkDigit(doc) + "UTO" + dob + checkDigit(dob) + "F" + exp + checkDigit(exp) + opt
	l2 += checkDigit(l2[0:10] + l2[13:20] + l2[21:35])
	td2 := "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n" + l2
	td3 := "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
	td1 := "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
	runCases(t, []detectCase{
		{"passport", "Scan:\n" + td3 + "\nend", one(TypePassportMRZ, td3)},
		{"id card", td1, one(TypePassportMRZ, td1)},
		{"td2", td2, one(TypePassportMRZ, td2)},
		{"bad check digit", strings.Replace(td3, "L898902C36", "L898902C37", 1), nil},
		{"bad date", strings.Replace(td3, "7408122", "7413122", 1), nil},
		{"arrows", "x << y <<<< z", nil},
	})
}

// Ensure IPv4 needs strict octets, IPv6 parses, and version strings are
// left alone.
func TestIPAddress(t *testing.T) {
	runCases(t, []detectCase{
		{"v4", "blocked from 41.173.96.26 today", one(TypeIPAddress, "41.173.96.26")},
		{"v4 piped", "ip = ?|106.31.73.20|", one(TypeIPAddress, "106.31.73.20")},
		{"v6", "address 2001:db8::8a2e:370:7334", one(TypeIPAddress, "2001:db8::8a2e:370:7334")},
		{"v6 full", "6e40:4041:c617:e898:c11:40d2:c669:2eb4", one(TypeIPAddress, "6e40:4041:c617:e898:c11:40d2:c669:2eb4")},
		{"v6 link local", "fe80::1ff:fe23:4567:890a", one(TypeIPAddress, "fe80::1ff:fe23:4567:890a")},
		{"version token", "v1.2.3.4", nil},
		{"version word", "version 10.2.0.1", nil},
		{"small quad", "see 1.2.3.4", nil},
		{"octet too big", "256.1.1.1", nil},
		{"five parts", "1.22.33.44.55", nil},
		{"leading zero", "01.02.03.04", nil},
		{"time", "12:30:45", nil},
		{"cpp", "std::vector", nil},
		{"in parentheses", "the payroll box (10.106.164.123):", one(TypeIPAddress, "10.106.164.123")},
		{"with port", "connect to 10.20.30.40:5432 from the VPN", one(TypeIPAddress, "10.20.30.40")},
		{"with prefix", "allow 172.16.20.0/24 on the firewall", one(TypeIPAddress, "172.16.20.0")},
	})
}

// Ensure dates count as dates of birth only when the text says so.
func TestDateOfBirth(t *testing.T) {
	runCases(t, []detectCase{
		{"born on", "I was born on 12 April 1990.", one(TypeDateOfBirth, "12 April 1990")},
		{"dob iso", "DOB: 1990-04-12", one(TypeDateOfBirth, "1990-04-12")},
		{"date of birth slash", "Please tell me your date of birth. It's 11/3/1995", one(TypeDateOfBirth, "11/3/1995")},
		{"month first", "born April 12, 1990 in Oslo", one(TypeDateOfBirth, "April 12, 1990")},
		{"d.o.b.", "d.o.b. 04.12.1990", one(TypeDateOfBirth, "04.12.1990")},
		{"birthday no year", "my birthday is April 12", one(TypeDateOfBirth, "April 12")},
		{"not birth", "The meeting is on 12 April 1990.", nil},
		{"year only", "born in 1990", nil},
		{"bad month", "DOB: 1990-13-12", nil},
		{"german", "Mein Geburtsdatum ist 13.10.2000, im Portal", one(TypeDateOfBirth, "13.10.2000")},
		{"german month", "geboren am 13. Oktober 2000 in Köln", one(TypeDateOfBirth, "13. Oktober 2000")},
		{"french", "Je suis née le 3 mars 1985.", one(TypeDateOfBirth, "3 mars 1985")},
		{"spanish", "Fecha de nacimiento: 13 de octubre de 2000", one(TypeDateOfBirth, "13 de octubre de 2000")},
	})
}

// Ensure street addresses are found from a house number and a street word,
// in English and other forms, and ordinary numbers are not.
func TestAddress(t *testing.T) {
	runCases(t, []detectCase{
		{"english unit", "I live at 221 Baker Street, Apt. 4, London", one(TypeAddress, "221 Baker Street, Apt. 4")},
		{"abbreviation", "88 N Avondale Rd #603", one(TypeAddress, "88 N Avondale Rd #603")},
		{"french", "Ship to 12 rue de la Paix.", one(TypeAddress, "12 rue de la Paix")},
		{"spanish", "Vivo en Calle Mayor 5", one(TypeAddress, "Calle Mayor 5")},
		{"german", "Hauptstraße 5, Berlin", one(TypeAddress, "Hauptstraße 5")},
		{"finnish", "6750 Koskikatu 25 Apt. 864", one(TypeAddress, "6750 Koskikatu 25 Apt. 864")},
		{"military", "PSC 3294, Box 9168\nAPO AA 61487", one(TypeAddress, "PSC 3294, Box 9168\nAPO AA 61487")},
		{"po box", "P.O. Box 186", one(TypeAddress, "P.O. Box 186")},
		{"locality", "Send it to 660 Mission Street, San Francisco, CA 94105, please.",
			one(TypeAddress, "660 Mission Street, San Francisco, CA 94105")},
		{"uk postcode", "221 Baker Street, London NW1 6XE. Thanks", one(TypeAddress, "221 Baker Street, London NW1 6XE")},
		{"lines", "974 Via Roma 131\n Apt. 425\n Montafia\n Italy 39025\nPhone: 555 0143",
			[]found{{TypeAddress, "974 Via Roma 131\n Apt. 425\n Montafia\n Italy 39025"}, {TypePhone, "555 0143"}}},
		{"no postcode", "12 Main Street\nThank you for your help", one(TypeAddress, "12 Main Street")},
		{"apples", "I bought 3 Apples at the store", nil},
		{"windows", "Windows 11 Home", nil},
		{"lower case street", "we saw 2 cats in the street", nil},
		{"date", "on 21 Feb 2022 Street party", nil},
		{"weak suffix alone", "the Top 10 Greek Islands", nil},
		{"postcode mid-sentence", "posted to 36 Queens Gardens, Glasgow G12 8QQ from next month",
			one(TypeAddress, "36 Queens Gardens, Glasgow G12 8QQ")},
		{"street without street word", "posted to Am Markt 94, 10115 Berlin from next month",
			one(TypeAddress, "Am Markt 94, 10115 Berlin")},
		{"chapter and year", "Chapter 12, 2020 Edition", nil},
	})
}

// Ensure names are reported where the text introduces them, with
// diacritics, hyphens and apostrophes, and not for common capitalised
// words.
func TestPerson(t *testing.T) {
	runCases(t, []detectCase{
		{"my name is", "My name is Jean-Luc O'Brien.", one(TypePerson, "Jean-Luc O'Brien")},
		{"particle", "my name is Ludwig van Beethoven", one(TypePerson, "Ludwig van Beethoven")},
		{"title", "Dr. Anette Lahtela called", one(TypePerson, "Anette Lahtela")},
		{"diacritics", "Mr. Szöllösy", one(TypePerson, "Szöllösy")},
		{"dear", "Dear John,", one(TypePerson, "John")},
		{"i am", "I am Thomas", one(TypePerson, "Thomas")},
		{"i'm", "I'm Naomi Ryan, from Oslo", one(TypePerson, "Naomi Ryan")},
		{"sign-off", "Kind regards,\nMaria Garcia", one(TypePerson, "Maria Garcia")},
		{"label", "Name: Toshimi Arata", one(TypePerson, "Toshimi Arata")},
		{"initial", "Directed By:    Sari J. Paavolainen", one(TypePerson, "Sari J. Paavolainen")},
		{"before lives", "Caitlin Lennox lives at home", one(TypePerson, "Caitlin Lennox")},
		{"no trigger", "The Big Apple is great", nil},
		{"sorry", "I am Sorry for the delay", nil},
		{"sir", "Dear Sir,", nil},
		{"team", "Hi Team,", nil},
		{"lower case", "my name is not important", nil},
		{"organisation", "I work for Aunt Bertha Inc", nil},
		{"acronym", "I am NASA", nil},
		{"given name", "Please add Kenji Chen as a delegate.", one(TypePerson, "Kenji Chen")},
		{"hyphenated given name", "Reference contact for my check: Jean-Luc Becker, thanks",
			one(TypePerson, "Jean-Luc Becker")},
		{"given name alone", "Kenji will call", nil},
		{"place", "We flew to San Francisco Bay and St Louis Park", nil},
		{"street named after a person", "12 avenue Jean Jaurès", one(TypeAddress, "12 avenue Jean Jaurès")},
		{"street with number", "The bus station is on Peter Zuidhove 188", nil},
		{"street word", "the corner of Kuusiku 7 and Philip Bypass", nil},
		{"name on card", "(name on card: Wei Campbell)", one(TypePerson, "Wei Campbell")},
		{"label space colon", "Salarié : Fatima Chen\n", one(TypePerson, "Fatima Chen")},
		{"department", "Finance asked me to check the payments", nil},
		{"month abbreviations", "Totals for Jan Feb Mar are attached", nil},
		{"acronym plural", "Two client APIs, one pipeline.", nil},
		{"programme", "The Employee Assistance Programme gives free advice.", nil},
		{"department after a role", "Sales and Customer Success: see the wiki", nil},
		{"company", "Employee Northwind Robotics owns the site", nil},
		{"capitals inside a name", "Contact Dr. DeShawn McDonald today", one(TypePerson, "DeShawn McDonald")},
	})
}

// Ensure health terms are reported with confidence when tied to a person
// and below the usual threshold when merely mentioned.
func TestHealth(t *testing.T) {
	runCases(t, []detectCase{
		{"diagnosed", "My father was diagnosed with type 2 diabetes.", one(TypeHealth, "type 2 diabetes")},
		{"medication", "She takes metformin twice a day", one(TypeHealth, "metformin")},
		{"my", "My MRI results came back", one(TypeHealth, "MRI")},
		{"capitals only", "He is living with AIDS", one(TypeHealth, "AIDS")},
		{"verb aids", "This aids the process", nil},
		{"bare question", "What is diabetes?", nil},
		{"general", "the coronavirus pandemic delayed trains because checks are taking longer", nil},
		{"run-on terms", "I had an epileptic seizure at work", one(TypeHealth, "epileptic seizure")},
		{"type after", "Ich habe Diabetes Typ 2 und brauche", one(TypeHealth, "Diabetes Typ 2")},
		{"starting", "Since starting methotrexate I need regular blood tests", one(TypeHealth, "methotrexate")},
		{"french", "J'ai un cancer du sein", one(TypeHealth, "cancer du sein")},
		{"group", "list every employee on sick leave", nil},
		{"routine with strong cue", "I was diagnosed and put on sick leave", one(TypeHealth, "sick leave")},
	})
	fs := findAll(t, New(Options{}), "What is diabetes?")
	if len(fs) != 1 || fs[0].Type != TypeHealth || fs[0].Confidence > 0.4 {
		t.Fatalf("bare mention: got %+v, want one health finding at confidence <= 0.4", fs)
	}
}

// Ensure Options select types and a minimum confidence, and Detect appends
// to the caller's slice.
func TestOptions(t *testing.T) {
	text := "Mail jane@example.com or call +44 20 7946 0958. What is diabetes?"
	d := New(Options{Types: []string{TypeEmail, "no_such_type"}})
	fs := findAll(t, d, text)
	if len(fs) != 1 || fs[0].Type != TypeEmail {
		t.Fatalf("types filter: got %+v", fs)
	}
	d = New(Options{MinConfidence: 0.5})
	for _, f := range findAll(t, d, text) {
		if f.Confidence < 0.5 {
			t.Fatalf("min confidence: got %+v", f)
		}
	}
	prev := []detect.Finding{{Type: "x", Start: 1, End: 2}}
	got := New(Options{}).Detect(prev, text)
	if len(got) < 2 || got[0] != prev[0] {
		t.Fatalf("Detect must append to dst: got %+v", got)
	}
	if n := len(Types()); n != int(numKinds) {
		t.Fatalf("Types: %d names, want %d", n, numKinds)
	}
	if New(Options{}).Name() != "pii" {
		t.Fatal("name")
	}
}

// Ensure a card number is reported once, as a card, even where a phone
// detector would also match, and that a disabled card does not turn into a
// phone.
func TestOverlapResolution(t *testing.T) {
	text := "call 4111 1111 1111 1111 now"
	got := reported(t, text)
	if want := one(TypeCreditCard, "4111 1111 1111 1111"); !slices.Equal(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	fs := findAll(t, New(Options{Types: []string{TypePhone}}), text)
	if len(fs) != 0 {
		t.Fatalf("phone-only detector reported %+v", fs)
	}
}

// Ensure the detector is safe for concurrent use.
func TestConcurrent(t *testing.T) {
	d := New(Options{})
	text := strings.Repeat("Dear John, call +44 20 7946 0958 or mail j@example.com. SSN 536-22-8812. ", 20)
	want := d.Detect(nil, text)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				if got := d.Detect(nil, text); !slices.Equal(got, want) {
					t.Errorf("concurrent result differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Ensure pathological inputs take time linear in their length.
func TestLinearTime(t *testing.T) {
	patterns := []string{
		"1 ", "1-", "1 1 1 1 ", "12 Main ", "12 rue ", "Hauptstraße 5 ", "@", "a@", "x@x.", "a.", "<<", "<",
		"+1 ", "(1) ", "(1)(1)", "GB82 ", "AB 12 ", "AB 12 34 56 ", "Dear ", "Mr. ", "Name: A ", "born ",
		"diabetes ", "I'm ", "x::", "1.", "1:", "\x00\xff", "é", "P<UTO<<", strings.Repeat("<", 44) + "\n",
	}
	d := New(Options{})
	for _, p := range patterns {
		text := strings.Repeat(p, (1<<20)/len(p))
		checkFindings(t, text, d.Detect(nil, text))
	}
	if testing.Short() {
		return
	}
	big := strings.Repeat("Dear Anna, my card is 4111 1111 1111 1111 and I live at 12 Main Street. ", 10<<20/72)
	checkFindings(t, big, d.Detect(nil, big))
}

// Ensure the validators accept what they should and nothing else.
func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"luhn", Luhn, "4111 1111 1111 1111", true},
		{"luhn dashes", Luhn, "4111-1111-1111-1111", true},
		{"luhn bad", Luhn, "4111111111111112", false},
		{"luhn letter", Luhn, "41111111111111a1", false},
		{"luhn short", Luhn, "0", false},
		{"iban", IBANValid, "GB82 WEST 1234 5698 7654 32", true},
		{"iban lower", IBANValid, "de89370400440532013000", true},
		{"iban bad", IBANValid, "GB82WEST12345698765431", false},
		{"iban long", IBANValid, strings.Repeat("1", 40), false},
		{"verhoeff", Verhoeff, "2363", true},
		{"verhoeff bad", Verhoeff, "2364", false},
		{"ssn", SSNValid, "536-22-8812", true},
		{"ssn spaces", SSNValid, "536 22 8812", true},
		{"ssn plain", SSNValid, "536228812", true},
		{"ssn mixed", SSNValid, "536-22 8812", false},
		{"ssn 666", SSNValid, "666-22-8812", false},
		{"ssn repeated", SSNValid, "111-11-1111", false},
		{"card", CardValid, "3782 822463 10005", true},
		{"card no issuer", CardValid, "9111111111111110", false},
		{"card amex length", CardValid, "3782822463100050", false},
	}
	for _, tc := range tests {
		if got := tc.fn(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

func ExampleNew() {
	d := New(Options{MinConfidence: 0.5})
	text := "I'm Jane Doe, card 4111 1111 1111 1111, mail jane@example.com"
	for _, f := range d.Detect(nil, text) {
		fmt.Printf("%s %q %.2f\n", f.Type, text[f.Start:f.End], f.Confidence)
	}
	// Output:
	// person "Jane Doe" 0.60
	// credit_card "4111 1111 1111 1111" 0.97
	// email "jane@example.com" 0.90
}

// Ensure every given name of the list leads to a full name: the scan's
// filter (triggerHash, written out in the scan loop) and the table agree.
func TestGivenNames(t *testing.T) {
	d := New(Options{Types: []string{TypePerson}})
	for _, name := range strings.Fields(givenNames) {
		r, size := utf8.DecodeRuneInString(name)
		given := string(unicode.ToUpper(r)) + name[size:]
		text := "Please add " + given + " Okafor as a delegate."
		fs := findAll(t, d, text)
		if len(fs) != 1 || text[fs[0].Start:fs[0].End] != given+" Okafor" || fs[0].Confidence < 0.5 {
			t.Errorf("%q: got %+v", text, fs)
		}
	}
}
