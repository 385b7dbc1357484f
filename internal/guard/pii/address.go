package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Street addresses start from a house number, so they are looked for only
// around short numbers: "221 Baker Street", "12 rue de la Paix", "Calle
// Mayor 5", "Hauptstraße 5", "Koskikatu 25 Apt. 864", "APO AE 09012". A
// number alone is never an address: a street word, a unit, a military post
// form, or (for a street named without a street word, "Am Markt 94, 10115
// Berlin") a postcode and town after it must be there too. A locality with
// a postcode after the street raises the confidence.

// Address word flags.
const (
	stSuffix  = 1 << iota // a street word after the name: Street, Road, út
	stPrefix              // a street word before the name: rue, calle, via, ul.
	stWeak                // a street word that is also an ordinary word: Way, Hill
	fUnit                 // apartment, suite
	fParticle             // de, la, van, of
	fAbbrev               // may be followed by a dot inside an address
)

// addrWords maps lower-case words to their address flags; addrBits is a
// filter in front of it, by triggerHash.
var (
	addrWords = map[string]uint8{}
	addrBits  [1 << 16 / 64]uint64
	addrTable *wordTable[uint8]
)

// addrFlags returns the flags of the word w.
func addrFlags(w string) uint8 {
	if len(w) > 10 {
		return 0
	}
	h := triggerHash(w)
	if addrBits[h>>6]&(1<<(h&63)) == 0 {
		return 0
	}
	v, _ := addrTable.getHashed(w, h)
	return v
}

// attachedSuffixes end a one-word street name: Hauptstraße, Koskikatu.
var attachedSuffixes = []string{
	"straße", "strasse", "str", "weg", "gasse", "platz", "allee", "damm", "ufer", "gracht", "straat",
	"laan", "plein", "kade", "dijk", "singel", "steeg", "katu", "tie", "kuja", "polku", "gatan", "gata",
	"vägen", "väg", "gränd", "torget", "vej", "veien", "vei", "vegur", "gatvė", "iela", "utca",
}

// suffixByLast groups the attached suffixes by their last byte, so a word
// is compared only with the suffixes that end like it.
var suffixByLast [256][]string

func init() {
	add := func(flag uint8, words string) {
		for _, w := range strings.Fields(words) {
			addrWords[w] |= flag
			h := triggerHash(w)
			addrBits[h>>6] |= 1 << (h & 63)
		}
	}
	add(stSuffix, `street st avenue ave av road rd boulevard blvd lane ln drive dr terrace ter
		highway hwy parkway pkwy crescent cres court ct place pl square sq alley mews expressway
		freeway turnpike motorway causeway út utca u tér körút krt`)
	// USPS street suffixes that are also ordinary words.
	add(stSuffix|stWeak, `way ways close hill hills park parks pass bridge route path walk green vale
		view views heights loop ridge plaza gardens circle cir grove trail trl row run point points
		rapids falls creek brook brooks lake lakes river valley village mall manor meadow meadows mill
		mills mount mountain orchard oval pike pine pines port shore shores spring springs summit track
		trace vista wells junction landing fort forge forges crest cove cliff cliffs canyon estate
		estates field fields glen harbor harbour haven hollow island isle key knoll lodge neck plains
		prairie ranch shoal skyway spur stream tunnel underpass viaduct dam courts streets squares
		crossing crossroad curve dale divide ferry ford forest fork gateway inlet lock locks overpass
		passage plain radial ramp rest stravenue throughway trafficway union unions ville bypass camp
		cape center centre circus common commons corner corners course`)
	add(stPrefix, `rue avenue boulevard chemin allée impasse place quai calle avenida avda paseo
		plaza carrer rua rúa travessa largo praça via viale piazza corso vicolo strada ul ulica aleja
		trg ulitsa bulevar calea str odos οδός λεωφόρος πλατεία Οδός Λεωφόρος Πλατεία`)
	add(fUnit, `apt apartment suite ste unit flat fl floor room rm bldg building`)
	add(fParticle, `van von de der den da di del della le la du des bin ibn al el ter ten dos das y
		of the`)
	add(fAbbrev, `st ave av rd blvd ln dr ter hwy pkwy cres cir ct pl sq trl krt u ul str avda apt
		ste fl rm bldg no nr n s e w ne nw se sw p.o po`)
	for _, suf := range attachedSuffixes {
		suffixByLast[suf[len(suf)-1]] = append(suffixByLast[suf[len(suf)-1]], suf)
	}
	addrTable = newWordTable(addrWords)
}

var addressCues = newCues(map[string]int8{
	"address": cueStrong, "addresses": cueStrong, "live": cueStrong, "lives": cueStrong,
	"living": cueStrong, "lived": cueStrong, "ship": cueStrong, "shipping": cueStrong,
	"deliver": cueStrong, "delivery": cueStrong, "located": cueStrong, "reside": cueStrong,
	"resides": cueStrong, "residence": cueStrong, "moved": cueStrong, "mailing": cueStrong,
	"billing": cueStrong, "postal": cueStrong, "send": cueWeak, "mail": cueWeak, "visit": cueWeak,
	"office": cueWeak, "home": cueWeak, "headquarters": cueWeak, "hq": cueWeak,
})

// addrWord is one word read while looking for a street.
type addrWord struct {
	start, end int   // end excludes a trailing '.'
	flags      uint8 // address word flags (stSuffix, fUnit...)
	bits       uint8 // wDot, wNumber, wCapital, wAttached
}

// addrWord bits.
const (
	wDot      = 1 << iota // a dot follows
	wNumber               // a house number
	wCapital              // starts with a capital letter
	wAttached             // ends with an attached street suffix
)

func (w addrWord) street() uint8  { return w.flags & (stSuffix | stPrefix | stWeak) }
func (w addrWord) unit() bool     { return w.flags&fUnit != 0 }
func (w addrWord) particle() bool { return w.flags&fParticle != 0 }
func (w addrWord) dot() bool      { return w.bits&wDot != 0 }
func (w addrWord) number() bool   { return w.bits&wNumber != 0 }
func (w addrWord) capital() bool  { return w.bits&wCapital != 0 }
func (w addrWord) attached() bool { return w.bits&wAttached != 0 }

// readAddrWord reads the word at p.
func readAddrWord(text string, p int) (w addrWord, ok bool) {
	q := tokenEnd(text, p, 40)
	if q == p || (q < len(text) && isAlnum(text[q])) {
		return w, false
	}
	w.start, w.end = p, q
	if q < len(text) && text[q] == '.' {
		w.bits |= wDot
	}
	if isDigit(text[p]) {
		if q-p <= 5 && allDigits(text[p:q]) {
			w.bits |= wNumber
			return w, true
		}
		return w, false
	}
	c := text[p]
	capital := false
	if c < utf8.RuneSelf {
		// d'Ouchy, l'Église
		capital = isUpper(c) || (p+2 < q && text[p+1] == '\'' && (isUpper(text[p+2]) || text[p+2] >= utf8.RuneSelf))
	} else {
		r, _ := utf8.DecodeRuneInString(text[p:])
		capital = unicode.IsUpper(r)
	}
	if capital {
		w.bits |= wCapital
	}
	w.flags = addrFlags(text[p:q])
	if sufs := suffixByLast[lower(text[q-1])]; capital && w.flags == 0 && q-p > 4 && len(sufs) > 0 {
		var buf [40]byte
		lw := lowerBytes(buf[:], text[p:q])
		for _, suf := range sufs {
			if len(lw) > len(suf)+2 && string(lw[len(lw)-len(suf):]) == suf {
				w.bits |= wAttached
				break
			}
		}
	}
	return w, true
}

// nextAddrWord reads the word after the one ending at p (which starts at
// from), across one or two spaces. A dot after the previous word is passed
// over only when that word is short enough to be an abbreviation ("St.",
// "ul."); after a longer word it ends the sentence, and the address.
func nextAddrWord(text string, from, p int) (addrWord, bool) {
	q := p
	if q < len(text) && text[q] == '.' {
		if addrFlags(text[from:p])&fAbbrev == 0 {
			return addrWord{}, false
		}
		q++
	}
	k := 0
	for q < len(text) && text[q] == ' ' && k < 2 {
		q++
		k++
	}
	if k == 0 {
		return addrWord{}, false
	}
	return readAddrWord(text, q)
}

// address looks for a street address around the house number c and
// reports it. It returns the end of the address, or 0.
func (s *scanner) address(c *cluster) int {
	text := s.text
	if !addressNear(text, c) {
		return 0
	}
	start, end, conf := s.addressForward(c)
	if end == 0 {
		start, end, conf = s.addressBack(c)
	}
	if end == 0 {
		return 0
	}
	end, unit := addressUnit(text, end)
	if unit {
		conf += 0.1
	}
	if e := addressTail(text, end); e > end {
		end = e
		conf += 0.15 // a locality with a postcode follows
	}
	if pos, _ := s.before(addressCues, start, 0); pos > 0 {
		conf += boost(pos) + 0.05
	}
	s.add(kAddress, start, end, conf)
	return end
}

// addressNear is a cheap test that a word an address needs is next to the
// number: a word that is capitalised, a number or a street word after it,
// or a word before it.
func addressNear(text string, c *cluster) bool {
	if c.start >= 2 && text[c.start-1] == ' ' && (isAlnum(text[c.start-2]) || text[c.start-2] == '.') {
		return true
	}
	p := c.end
	if p+1 >= len(text) || text[p] != ' ' {
		return false
	}
	p++
	if text[p] == ' ' && p+1 < len(text) {
		p++
	}
	x := text[p]
	if isUpper(x) || isDigit(x) || x >= 0x80 {
		return true
	}
	if !isAlpha(x) {
		return false
	}
	q := p
	for q < len(text) && q-p < 11 && class[text[q]]&cWord != 0 {
		q++
	}
	return addrFlags(text[p:q])&stPrefix != 0
}

// addressForward reads "221 Baker Street", "12 rue de la Paix",
// "6750 Koskikatu 25", "692 Kuuse 53 Apt. 641" from the number on.
func (s *scanner) addressForward(c *cluster) (start, end int, conf float64) {
	text := s.text
	from, p, names, numbers := c.start, c.end, 0, 0
	lastNumber := false
	for k := 0; k < 6; k++ {
		w, ok := nextAddrWord(text, from, p)
		if !ok {
			// "971 Kesk 53" followed by a unit, on this line or the next.
			if names > 0 && lastNumber {
				if e, unit := addressUnit(text, p); unit && e > p {
					return c.start, p, 0.45
				}
			}
			return 0, 0, 0
		}
		lastNumber = w.number()
		switch {
		case w.street()&stPrefix != 0 && (k == 0 || numbers > 0 || w.street()&stSuffix == 0):
			return c.start, streetTail(text, w), 0.6
		case w.street()&stSuffix != 0 && names > 0:
			e := w.end
			if w.dot() {
				e++
			}
			if w.street()&stWeak != 0 {
				return c.start, e, 0.45
			}
			return c.start, e, 0.6
		case w.attached():
			return c.start, houseAfter(text, w), 0.6
		case w.unit():
			if names == 0 {
				return 0, 0, 0
			}
			return c.start, w.start, 0.45
		case w.number():
			if numbers++; numbers > 2 {
				return 0, 0, 0
			}
		case w.capital():
			if k == 0 && isMonth(text[w.start:w.end]) {
				return 0, 0, 0 // a date: "21 Feb 2022"
			}
			names++
		case w.particle() && names > 0:
		default:
			return 0, 0, 0
		}
		from, p = w.start, w.end
	}
	return 0, 0, 0
}

// streetTail extends a street that starts with a prefix word ("rue de la
// Paix 12") over its name and an optional house number.
func streetTail(text string, w addrWord) int {
	end := w.end
	if w.dot() {
		end++
	}
	from, p := w.start, w.end
	for k := 0; k < 4; k++ {
		n, ok := nextAddrWord(text, from, p)
		if !ok || n.unit() {
			break
		}
		if n.number() {
			return n.end
		}
		if !n.capital() && !n.particle() {
			break
		}
		from, p = n.start, n.end
		if n.capital() {
			end = n.end
		}
	}
	return end
}

// houseAfter extends a street name (the word w) over a following house
// number.
func houseAfter(text string, w addrWord) int {
	if n, ok := nextAddrWord(text, w.start, w.end); ok && n.number() {
		return n.end
	}
	return w.end
}

// addressBack reads a street name that precedes the number: "Calle Mayor
// 5", "Hauptstraße 5", "Rákóczi út 13", and the military and post office
// box forms "APO AE 09012", "PSC 3294, Box 9168", "P.O. Box 186".
func (s *scanner) addressBack(c *cluster) (start, end int, conf float64) {
	text := s.text
	if c.start < 2 || text[c.start-1] != ' ' {
		return 0, 0, 0
	}
	w0, ok := prevAddrWord(text, c.start-1, false)
	if !ok {
		return 0, 0, 0
	}
	t0 := text[w0.start:w0.end]
	switch t0 {
	case "AA", "AE", "AP": // military post: APO/FPO/DPO AA/AE/AP 12345
		if w1, ok := prevAddrWord(text, w0.start-1, true); ok && c.nd == 5 {
			switch text[w1.start:w1.end] {
			case "APO", "FPO", "DPO":
				return w1.start, c.end, 0.7
			}
		}
		return 0, 0, 0
	case "PSC", "Unit", "USNS", "USS":
		e := c.end
		if strings.HasPrefix(text[e:], ", Box ") || strings.HasPrefix(text[e:], " Box ") {
			b := e + strings.Index(text[e:], "Box ") + 4
			if _, e2 := readInt(text, b, 5); e2 > b {
				e = e2
			}
		}
		if e2 := militaryLine(text, e); e2 > e {
			return w0.start, e2, 0.7
		}
		if t0 == "PSC" {
			return w0.start, e, 0.6
		}
		return 0, 0, 0
	case "Box", "BOX":
		if w1, ok := prevAddrWord(text, w0.start-1, true); ok {
			switch text[w1.start:w1.end] {
			case "P.O", "PO", "O", "Post":
				b := w1.start
				if text[w1.start:w1.end] == "O" && b >= 2 && text[b-2:b] == "P." {
					b -= 2
				}
				return b, c.end, 0.6
			}
		}
		return 0, 0, 0
	}
	// A street name before the number: "Hauptstraße 5", "Rákóczi út 13"
	// (the word before is a street word), "Calle Mayor 5" (a street word
	// starts the capitalised words before it).
	w, k := w0, 0
	found, first, capStart := -1, w0.start, -1
	for {
		if w.number() || w.unit() || (!w.capital() && !w.particle() && w.street() == 0) {
			break
		}
		if w.capital() && (k == 0 || capStart >= 0) {
			capStart = w.start
		}
		if w.attached() || w.street() != 0 && (k == 0 || w.street()&stPrefix != 0) {
			if w.street()&stWeak != 0 {
				return 0, 0, 0
			}
			found, first = k, w.start
			if w.street()&stPrefix != 0 {
				break
			}
		} else if found >= 0 {
			// Capitalised words before an attached or suffix street word
			// belong to its name ("Brucker Bundesstrasse 31").
			if !w.capital() {
				break
			}
			first = w.start
		}
		if k++; k == 4 || w.start < 2 {
			break
		}
		var ok bool
		if w, ok = prevAddrWord(text, w.start-1, k > 0); !ok {
			break
		}
	}
	if found < 0 {
		// A street name without a street word, before the house number
		// and followed by a postcode and town: "Am Markt 94, 10115
		// Berlin".
		if capStart >= 0 && c.ng == 1 && c.nd <= 4 && leadingPostcode(text, c.end) &&
			addressTail(text, c.end) > c.end {
			return capStart, c.end, 0.45
		}
		return 0, 0, 0
	}
	return first, c.end, 0.55
}

// prevAddrWord reads the word that ends at the space at p (or at a dot
// just before it). After the first word a particle or street word is
// also accepted; any other lower-case word ends the walk.
func prevAddrWord(text string, p int, later bool) (addrWord, bool) {
	if p < 1 || text[p] != ' ' {
		return addrWord{}, false
	}
	q := p
	if text[q-1] == '.' {
		q--
	}
	b := q
	for b > 0 && q-b < 40 && (isAlnum(text[b-1]) || text[b-1] == '-' || text[b-1] == '\'') {
		b--
	}
	if b == q || (b > 0 && isAlnum(text[b-1])) {
		return addrWord{}, false
	}
	w, ok := readAddrWord(text, b)
	if !ok || w.end != q || !(w.capital() || w.street() != 0 || (later && w.particle())) {
		return addrWord{}, false
	}
	return w, true
}

// isMonth reports an English month name or abbreviation, capitalised.
func isMonth(w string) bool {
	switch w {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
		"January", "February", "March", "April", "June", "July", "August", "September", "October",
		"November", "December":
		return true
	}
	return false
}

// leadingPostcode reports whether ", 10115 Berlin" follows at p: a comma
// and a postcode of five digits, or of four that cannot be a year, before
// a capitalised town.
func leadingPostcode(text string, p int) bool {
	if p+2 >= len(text) || text[p] != ',' || text[p+1] != ' ' {
		return false
	}
	v, e := readInt(text, p+2, 5)
	switch n := e - p - 2; {
	case n == 5:
	case n == 4 && (v < 1900 || v > 2100):
	default:
		return false
	}
	if e+1 >= len(text) || text[e] != ' ' {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[e+1:])
	return unicode.IsUpper(r)
}
