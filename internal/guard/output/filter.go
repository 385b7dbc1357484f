package output

import (
	"slices"
	"sort"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// Finding types reported by LinkFilter.
const (
	// TypeExfiltrationLink is a link (markdown, autolink, bare URL, HTML
	// <a> or a link reference definition) pointing outside the allow-list.
	TypeExfiltrationLink = "exfiltration_link"
	// TypeExfiltrationImage is an image or another element that fetches on
	// render (markdown image, <img>, <iframe>, <script>…) pointing outside
	// the allow-list: the channel that leaks data without a click.
	TypeExfiltrationImage = "exfiltration_image"
)

// LinkRemoved replaces a bare URL or an autolink outside the allow-list.
// The URL is its own visible text, so it cannot be kept.
const LinkRemoved = "[link removed]"

// contentRemoved replaces an answer whose removals keep producing new
// links (see Filter); it never happens with ordinary text.
const contentRemoved = "[content removed]"

// maxPasses bounds the re-scans Filter makes of its own output.
const maxPasses = 8

// LinkFilter removes links and images pointing outside an allow-list of
// hosts from an answer written in markdown (CommonMark with the GitHub
// extensions) or HTML. It is immutable and safe for concurrent use.
//
// What it recognises:
//
//   - inline links and images, [text](url "title") and ![alt](url), with
//     nested brackets, balanced parentheses in the URL and <angle> URLs;
//   - reference links [text][ref], [text][] and [ref], their images, and
//     the definitions [ref]: url;
//   - autolinks <https://…> and bare URLs (http://, https://, mailto:,
//     www., and ftp:// and xmpp:, which are always removed);
//   - HTML tags with URL attributes (href, src, srcset, action, poster,
//     data, background, style url(…), meta refresh…).
//
// Whitespace between ']' and '(' is accepted: CommonMark does not make a
// link of it, but some renderers do, so such a destination is checked too
// (removing a non-link there costs nothing). Elsewhere the scanner leans
// the same way: when it is unsure whether something renders as a link it
// checks it. Code spans are not special: a link shown as code is filtered
// like any other. E-mail addresses written without "mailto:" are text, not
// links; personal-data detectors handle them.
type LinkFilter struct {
	exact    map[string]struct{}
	suffixes []string // ".example.com" for an entry "*.example.com"
}

// NewLinkFilter returns a filter that keeps links to the given hosts.
// An entry is a host name ("intranet.example.com"), or "*.example.com"
// for any subdomain of example.com (example.com itself must be listed on
// its own). Entries are compared exactly after lower-casing, removing a
// trailing dot and writing IDN labels in punycode. Relative links are
// always kept; only http, https and mailto URLs can be allowed, so
// javascript:, data:, vbscript:, file: and every other scheme are always
// removed. Empty or malformed entries are ignored.
func NewLinkFilter(allowedHosts []string) *LinkFilter {
	f := &LinkFilter{exact: make(map[string]struct{}, len(allowedHosts))}
	for _, e := range allowedHosts {
		e = strings.TrimSpace(e)
		wild := strings.HasPrefix(e, "*.")
		if wild {
			e = e[2:]
		}
		h, ok := normHost(e)
		if !ok {
			continue
		}
		if wild {
			f.suffixes = append(f.suffixes, "."+h)
		} else {
			f.exact[h] = struct{}{}
		}
	}
	return f
}

// Filter returns text with every link, image and HTML tag that points
// outside the allow-list removed, and one finding per removal with offsets
// into text, sorted by Start. Allowed links are kept byte for byte; when
// nothing is removed the result is text itself and no memory is allocated.
//
// Removals:
//
//   - a link keeps its visible text: [text](evil) becomes text;
//   - an image is removed with its alt text: images fetch on render;
//   - a bare URL or autolink becomes "[link removed]";
//   - an HTML tag is removed (for <a>, only the opening tag, so its text
//     stays; an orphan </a> renders nothing);
//   - a link reference definition is removed with its line, and the links
//     that used it keep their text.
//
// Removing markup can join text into a new link ("https:" + "[x](y)" +
// "//evil"), so Filter scans its own output again until nothing changes.
// If that does not settle after a few passes, which only crafted input
// does, the whole answer is replaced by "[content removed]".
func (f *LinkFilter) Filter(text string) (string, []detect.Finding) {
	var sc scanner
	sc.init(f, text)
	sc.run()
	if len(sc.edits) == 0 {
		return text, nil
	}
	finds := sc.finds
	layers := [][]edit{sc.edits}
	cur := apply(text, sc.edits)
	for range maxPasses - 1 {
		var next scanner
		next.init(f, cur)
		next.run()
		if len(next.edits) == 0 {
			sortFindings(finds)
			return cur, finds
		}
		for _, fd := range next.finds {
			s, e := fd.Start, fd.End
			for l := len(layers) - 1; l >= 0; l-- {
				s = mapBack(layers[l], s, false)
				e = mapBack(layers[l], e, true)
			}
			if e <= s {
				e = min(s+1, len(text))
				s = e - 1
			}
			fd.Start, fd.End = s, e
			finds = append(finds, fd)
		}
		layers = append(layers, next.edits)
		cur = apply(cur, next.edits)
	}
	return contentRemoved, []detect.Finding{{
		Type: TypeExfiltrationLink, Category: detect.Output,
		Start: 0, End: len(text), Confidence: 1,
	}}
}

func sortFindings(fs []detect.Finding) {
	slices.SortStableFunc(fs, func(a, b detect.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
}

// edit replaces text[start:end] by repl. A scanner's edits never overlap.
type edit struct {
	start, end int
	repl       string
	outStart   int // where repl starts in the output; set by apply
}

// apply sorts edits, records where each lands in the output, and returns
// the edited text.
func apply(text string, edits []edit) string {
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for i := range edits {
		e := &edits[i]
		b.WriteString(text[last:e.start])
		e.outStart = b.Len()
		b.WriteString(e.repl)
		last = e.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// mapBack maps an offset in the output of apply back to the input. An
// offset inside a replacement maps to the replaced span's start (or its
// end, for an end offset); so a span in the output maps to the smallest
// input span that produced it.
func mapBack(edits []edit, pos int, isEnd bool) int {
	// The last edit that ends up before pos: for a start offset, one whose
	// replacement starts at or before pos; for an end offset, strictly
	// before it.
	i := sort.Search(len(edits), func(i int) bool {
		if isEnd {
			return edits[i].outStart >= pos
		}
		return edits[i].outStart > pos
	}) - 1
	if i < 0 {
		return pos
	}
	e := edits[i]
	outEnd := e.outStart + len(e.repl)
	switch {
	case pos >= outEnd:
		return e.end + pos - outEnd
	case isEnd:
		return e.end
	default:
		return e.start
	}
}
