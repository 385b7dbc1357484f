// Package pii finds personal data in text: contact details (e-mail, phone,
// street address, IP address), payment and bank identifiers (card numbers,
// IBAN), national identifiers (US SSN, UK National Insurance number, Dutch
// BSN, Spanish DNI/NIE, Swedish personnummer, Canadian SIN, Indian Aadhaar,
// passport machine-readable zones), dates of birth, person names and health
// information (category PHI).
//
// Detection follows the approach of Microsoft Presidio: a pattern proposes
// a candidate, a validator (Luhn, mod-97, Verhoeff, the eleven test, ICAO
// check digits, allocation rules) confirms it, and context words nearby
// raise or lower its confidence. Confidence follows one convention:
//
//   - validated by a checksum: 0.85 and up, 0.95 and up with context;
//   - pattern only (phone, SSN, address, name): 0.3 to 0.6, about +0.35
//     with a context word ("phone", "SSN", "live at", "my name is");
//   - lowered by negative context right before a number ("order",
//     "invoice", "ticket", "tracking", "ref", "version", "isbn", "#");
//   - below 0.3 a candidate is not reported at all, so a bare digit run
//     stays silent, while a health term merely mentioned ("What is
//     diabetes?") is reported at 0.3, under the usual policy threshold.
//
// Some types need context to fire because their checksum alone passes too
// many ordinary numbers: nl_bsn, ca_sin, in_aadhaar, an undashed us_ssn,
// an undashed se_personnummer, and a Luhn-valid card number outside every
// known issuer range (reported at 0.6 only when the text calls it a card).
// Dates count as personal data only when the text says they are a date of
// birth (in English, German, French, Spanish, Italian, Dutch or a Nordic
// language), and names only where the text introduces a person (a title, a
// greeting, a sign-off, "my name is", "Name:", "Salarié :") or where a
// common given name from a built-in list is followed by a capitalised
// surname ("Please add Kenji Chen as a delegate"); other capitalised words
// are never reported, nor a given name alone, nor one that names a street
// or a place ("avenue Jean Jaurès", "St Louis").
//
// Health terms (English, German, French and Spanish) are tied to a person
// by words such as "diagnosed", "I have", "ich habe", "j'ai" or "taking";
// terms that name routine care or an absence rather than a condition
// ("blood tests", "sick leave", "a disability") need such a strong cue.
// Terms run together ("epileptic seizure", "Diabetes Typ 2") are one
// finding.
//
// IPv4 addresses need four strict octets (0-255, no leading zeros). A
// version number written like an address is told apart by what precedes
// it: "v1.2.3.4" is one token and never an address, "version 1.2.3.4" (or
// release, build, section) is not reported, and a quad of single digits
// ("1.2.3.4") stays at 0.4, below the usual threshold.
//
// E-mail addresses inside a URL's user information
// ("postgres://user:pw@host") are user names and hosts, not addresses, and
// are left to the secrets detector.
//
// The scan is one pass over the bytes: only an '@', a digit, a "<<" or a
// word that passes a hash filter of trigger words leads to further work,
// and that work is bounded to a small window. Detect is linear in the
// length of the text, accepts any bytes, allocates nothing when nothing is
// found, and is safe for concurrent use. Overlapping findings of different
// types are resolved in favour of the stronger, so a card number is never
// also reported as a phone number.
package pii
