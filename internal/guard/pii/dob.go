package pii

// A date is personal data on its own only when the text says it is a date
// of birth: after "born", "date of birth", "DOB", "d.o.b." or "birthday",
// or the same words in German, French, Spanish, Italian, Dutch and the
// Nordic languages ("Geburtsdatum", "date de naissance", "née le").

// dobWindow is how far after the trigger the date may start.
const dobWindow = 40

var months = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
	"sept": 9, "oct": 10, "nov": 11, "dec": 12,
	// German, French, Spanish, Italian and Dutch
	"januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6,
	"juli": 7, "oktober": 10, "dezember": 12,
	"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
	"août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
	"agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
	"gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
	"settembre": 9, "ottobre": 10, "dicembre": 12,
	"januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
}

// dob looks for a date after the trigger word text[i:j] and reports it.
func (s *scanner) dob(i, j int) int {
	text := s.text
	conf, yearless := 0.85, false
	var buf [maxTrigger]byte
	switch string(lowerBytes(buf[:], text[i:j])) {
	case "d":
		// d.o.b.
		if !hasPrefixFold(text, j, ".o.b") {
			return j
		}
		j += 4
	case "birthday":
		conf, yearless = 0.8, true
	case "birth":
		// "date of birth", "birth date", "place and date of birth"
	case "born", "geboren", "geb", "né", "née", "nacido", "nacida", "född", "født":
	case "dob", "birthdate", "geburtsdatum", "geburtstag", "naissance", "nacimiento", "nascita",
		"geboortedatum", "födelsedatum", "fødselsdato", "syntymäaika":
	default:
		return j
	}
	for p := j; p < len(text) && p-j < dobWindow; p++ {
		c := text[p]
		if c == '\n' && p > j+2 {
			break
		}
		if (p > 0 && isAlnum(text[p-1])) || !isAlnum(c) {
			continue
		}
		if end, year := parseDate(text, p); end > p && (year || yearless) {
			if !year {
				conf = 0.6
			}
			s.add(kDOB, p, end, conf)
			return end
		}
	}
	return j
}

// lowerBytes writes the ASCII lower case of w into dst and returns it, or
// nil when w does not fit.
func lowerBytes(dst []byte, w string) []byte {
	if len(w) > len(dst) {
		return nil
	}
	for k := 0; k < len(w); k++ {
		dst[k] = lower(w[k])
	}
	return dst[:len(w)]
}

// readInt reads up to max digits at p.
func readInt(text string, p, maxLen int) (v, end int) {
	end = p
	for end < len(text) && end-p < maxLen && isDigit(text[end]) {
		v = v*10 + int(text[end]-'0')
		end++
	}
	if end < len(text) && isDigit(text[end]) {
		return 0, p
	}
	return v, end
}

// monthAt reads a month name (English, or German, French, Spanish,
// Italian or Dutch; or an English abbreviation, with an optional dot) at p.
func monthAt(text string, p int) (m, end int) {
	q := p
	for q < len(text) && q-p < 12 && class[text[q]]&cWord != 0 {
		q++
	}
	if q == p || (q < len(text) && isAlnum(text[q])) {
		return 0, p
	}
	var buf [12]byte
	m = months[string(lowerBytes(buf[:], text[p:q]))]
	if m == 0 {
		return 0, p
	}
	if q < len(text) && text[q] == '.' && q-p <= 4 {
		q++
	}
	return m, q
}

// parseDate reads a date at p in one of the common forms: 1990-04-12,
// 12/04/1990, 4.12.90, 12 April 1990, 12th of April, 1990, April 12, 1990,
// and (without a year) 12 April or April 12. It returns the end (p when
// there is no date) and whether a year was read.
func parseDate(text string, p int) (end int, year bool) {
	if isDigit(text[p]) {
		a, q := readInt(text, p, 4)
		if q == p {
			return p, false
		}
		if q+1 < len(text) && (text[q] == '-' || text[q] == '/' || text[q] == '.') && isDigit(text[q+1]) {
			sep := text[q]
			b, r := readInt(text, q+1, 2)
			if r == q+1 || r >= len(text) || text[r] != sep {
				return p, false
			}
			c, e := readInt(text, r+1, 4)
			if e == r+1 || (e < len(text) && isAlnum(text[e])) {
				return p, false
			}
			switch {
			case q-p == 4: // Y-M-D
				if a >= 1900 && a < 2100 && b >= 1 && b <= 12 && c >= 1 && c <= 31 && e-r-1 <= 2 {
					return e, true
				}
			case q-p <= 2 && (e-r-1 == 4 || e-r-1 == 2): // D-M-Y or M-D-Y
				if a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12) &&
					(e-r-1 == 2 || (c >= 1900 && c < 2100)) {
					return e, true
				}
			}
			return p, false
		}
		// 12 April 1990, 12th of April 1990
		if q-p > 2 || a < 1 || a > 31 {
			return p, false
		}
		q = skipOrdinal(text, q)
		if q < len(text) && text[q] == '.' {
			q++ // "13. Oktober 2000"
		}
		if hasPrefixFold(text, q, " of ") || hasPrefixFold(text, q, " de ") {
			q += 3
		}
		if q >= len(text) || text[q] != ' ' {
			return p, false
		}
		m, r := monthAt(text, q+1)
		if m == 0 {
			return p, false
		}
		if e, ok := yearAfter(text, r); ok {
			return e, true
		}
		return r, false
	}
	m, q := monthAt(text, p)
	if m == 0 || q >= len(text) || text[q] != ' ' {
		return p, false
	}
	d, r := readInt(text, q+1, 2)
	if r == q+1 || d < 1 || d > 31 {
		return p, false
	}
	r = skipOrdinal(text, r)
	if e, ok := yearAfter(text, r); ok {
		return e, true
	}
	if r < len(text) && isAlnum(text[r]) {
		return p, false
	}
	return r, false
}

// skipOrdinal skips "st", "nd", "rd" or "th" after a day number.
func skipOrdinal(text string, q int) int {
	if q+2 <= len(text) {
		var buf [2]byte
		switch string(lowerBytes(buf[:], text[q:q+2])) {
		case "st", "nd", "rd", "th":
			if q+2 == len(text) || !isAlnum(text[q+2]) {
				return q + 2
			}
		}
	}
	return q
}

// yearAfter reads ", 1990", " 1990" or " de 1990" at q.
func yearAfter(text string, q int) (int, bool) {
	if q < len(text) && text[q] == ',' {
		q++
	}
	if hasPrefixFold(text, q, " de ") {
		q += 3
	}
	if q >= len(text) || text[q] != ' ' {
		return q, false
	}
	y, e := readInt(text, q+1, 4)
	if e-q-1 != 4 || y < 1900 || y >= 2100 || (e < len(text) && isAlnum(text[e])) {
		return q, false
	}
	return e, true
}
