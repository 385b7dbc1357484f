package knowledge

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitMarkdown splits a Markdown body into sections at its "#", "##" and
// "###" headings, and returns the text of the first "#" heading as the
// title. Deeper headings stay in their section's text. Lines inside fenced
// code blocks are never headings.
func splitMarkdown(body string) (title string, sections []Section) {
	type heading struct {
		level int
		text  string
	}
	var (
		stack     []heading
		lines     []string
		fence     string
		haveTitle bool
	)
	flush := func() {
		text := strings.TrimSpace(strings.Join(lines, "\n"))
		lines = lines[:0]
		if text == "" {
			return
		}
		var path []string
		for _, h := range stack {
			path = append(path, h.text)
		}
		sections = append(sections, Section{Headings: path, Text: text})
	}
	for _, line := range strings.Split(body, "\n") {
		if fence != "" {
			lines = append(lines, line)
			if isFenceClose(line, fence) {
				fence = ""
			}
			continue
		}
		if f := fenceOpen(line); f != "" {
			fence = f
			lines = append(lines, line)
			continue
		}
		level, text, ok := atxHeading(line)
		if !ok || level > 3 {
			lines = append(lines, line)
			continue
		}
		flush()
		if level == 1 && !haveTitle {
			title, haveTitle, stack = text, true, nil
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, heading{level, text})
	}
	flush()
	return title, sections
}

// atxHeading reports whether line is an ATX heading ("## Text ##") and
// returns its level and cleaned text.
func atxHeading(line string) (level int, text string, ok bool) {
	s := strings.TrimLeft(line, " ")
	if len(line)-len(s) > 3 {
		return 0, "", false
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := s[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	rest = strings.TrimSpace(rest)
	if trimmed := strings.TrimRight(rest, "#"); trimmed == "" || strings.HasSuffix(trimmed, " ") {
		rest = strings.TrimSpace(trimmed)
	}
	return level, cleanInline(rest), true
}

// fenceOpen returns the fence marker ("```" or "~~~") if line opens a
// fenced code block.
func fenceOpen(line string) string {
	s := strings.TrimSpace(line)
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(s, f) {
			return f
		}
	}
	return ""
}

func isFenceClose(line, fence string) bool {
	s := strings.TrimSpace(line)
	return strings.HasPrefix(s, fence) && strings.Trim(s, fence[:1]) == ""
}

// unit is the smallest piece of a section that an answer can quote: a
// sentence of a paragraph, a list item, a table row or a code block.
type unit struct {
	text string
	// block is true for list items, table rows and code, which are shown
	// on a line of their own.
	block bool
	// For table rows, cells is what the row itself says and header the
	// table's header, which the rendered text repeats: the header's words
	// count once for the section, not once per row.
	cells, header string
	// hidden units (table headers) are indexed but never quoted.
	hidden bool
}

// splitUnits splits a section's Markdown text into quotable units. Each list
// item (bulleted or numbered, with its continuation lines) is one unit;
// each table row is one unit, written as "Header: cell; Header: cell";
// paragraphs are split into sentences.
func splitUnits(text string) []unit {
	var (
		units  []unit
		para   []string
		item   []string
		code   []string
		fence  string
		header []string
	)
	flushPara := func() {
		if len(para) > 0 {
			for _, s := range splitSentences(cleanInline(strings.Join(para, " "))) {
				units = append(units, unit{text: s})
			}
			para = para[:0]
		}
	}
	flushItem := func() {
		if len(item) > 0 {
			if s := cleanInline(strings.Join(item, " ")); s != "" {
				units = append(units, unit{text: s, block: true})
			}
			item = item[:0]
		}
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if isFenceClose(line, fence) {
				fence = ""
				if s := strings.TrimSpace(strings.Join(code, "\n")); s != "" {
					units = append(units, unit{text: s, block: true})
				}
				code = code[:0]
				continue
			}
			code = append(code, line)
			continue
		}
		if f := fenceOpen(line); f != "" {
			flushPara()
			flushItem()
			fence = f
			continue
		}
		if trimmed == "" {
			flushPara()
			flushItem()
			header = nil
			continue
		}
		if isRule(trimmed) {
			flushPara()
			flushItem()
			continue
		}
		if _, h, ok := atxHeading(line); ok {
			// A deep heading labels what follows; keep it as a unit so its
			// words count, but on its own line.
			flushPara()
			flushItem()
			if h != "" {
				units = append(units, unit{text: h, block: true})
			}
			continue
		}
		for strings.HasPrefix(trimmed, ">") {
			trimmed = strings.TrimSpace(trimmed[1:])
		}
		if strings.HasPrefix(trimmed, "|") {
			flushPara()
			flushItem()
			cells := tableCells(trimmed)
			if isTableSeparator(cells) {
				continue
			}
			if header == nil && i+1 < len(lines) && isTableSeparator(tableCells(strings.TrimSpace(lines[i+1]))) {
				header = cells
				units = append(units, unit{text: strings.Join(cells, " "), hidden: true})
				continue
			}
			if s := tableRow(header, cells); s != "" {
				units = append(units, unit{text: s, block: true, cells: strings.Join(cells, " "), header: strings.Join(header, " ")})
			}
			continue
		}
		if rest, ok := listItem(trimmed); ok {
			flushPara()
			flushItem()
			item = append(item, rest)
			continue
		}
		if len(item) > 0 {
			item = append(item, trimmed) // continuation of a list item
			continue
		}
		para = append(para, trimmed)
	}
	flushPara()
	flushItem()
	if s := strings.TrimSpace(strings.Join(code, "\n")); s != "" {
		units = append(units, unit{text: s, block: true})
	}
	return units
}

// listItem reports whether s starts a list item ("- x", "* x", "+ x",
// "1. x", "2) x") and returns the item's text without its marker or a task
// box.
func listItem(s string) (string, bool) {
	var rest string
	switch {
	case len(s) >= 2 && strings.ContainsRune("-*+", rune(s[0])) && (s[1] == ' ' || s[1] == '\t'):
		rest = s[2:]
	default:
		n := 0
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n+1 >= len(s) || (s[n] != '.' && s[n] != ')') || (s[n+1] != ' ' && s[n+1] != '\t') {
			return "", false
		}
		rest = s[n+2:]
	}
	rest = strings.TrimSpace(rest)
	for _, box := range []string{"[ ] ", "[x] ", "[X] "} {
		rest = strings.TrimPrefix(rest, box)
	}
	return rest, true
}

// isRule reports whether s is a thematic break ("---", "***", "___").
func isRule(s string) bool {
	c := strings.ReplaceAll(s, " ", "")
	if len(c) < 3 {
		return false
	}
	return strings.Trim(c, "-") == "" || strings.Trim(c, "*") == "" || strings.Trim(c, "_") == ""
}

func tableCells(s string) []string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "|")
	s = strings.TrimSuffix(s, "|")
	cells := strings.Split(s, "|")
	for i, c := range cells {
		cells[i] = cleanInline(strings.TrimSpace(c))
	}
	return cells
}

func isTableSeparator(cells []string) bool {
	for _, c := range cells {
		if c == "" || strings.Trim(c, ":-") != "" {
			return false
		}
	}
	return len(cells) > 0
}

// tableRow writes a table row as "Header: cell; Header: cell", or its cells
// joined with " | " when there is no matching header.
func tableRow(header, cells []string) string {
	var parts []string
	for i, c := range cells {
		if c == "" {
			continue
		}
		if len(header) == len(cells) && header[i] != "" {
			parts = append(parts, header[i]+": "+c)
		} else {
			parts = append(parts, c)
		}
	}
	if len(header) == len(cells) {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, " | ")
}

var (
	linkRE  = regexp.MustCompile(`!?\[([^\]]*)\]\(([^)\s]*)\)`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// cleanInline removes Markdown emphasis and code marks and turns links into
// their text, followed by the address when it is absolute.
func cleanInline(s string) string {
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		if strings.HasPrefix(m, "!") || !strings.Contains(sub[2], "://") && !strings.HasPrefix(sub[2], "mailto:") {
			return sub[1]
		}
		if strings.TrimPrefix(sub[2], "mailto:") == sub[1] {
			return sub[1]
		}
		return sub[1] + " (" + strings.TrimPrefix(sub[2], "mailto:") + ")"
	})
	s = strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}

// abbreviations end with a full stop that does not end a sentence.
var abbreviations = toSet("e.g i.e mr mrs ms dr st no vs approx incl ext tel fig cf")

// splitSentences splits a paragraph after ".", "!" or "?" when the next word
// starts with a capital letter, a digit or an opening quote, except after
// common abbreviations and initials.
func splitSentences(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(p) && strings.IndexByte(`")'`, p[j]) >= 0 {
			j++
		}
		if j >= len(p) || p[j] != ' ' {
			continue
		}
		k := j
		for k < len(p) && p[k] == ' ' {
			k++
		}
		if k >= len(p) {
			break
		}
		r, _ := utf8.DecodeRuneInString(p[k:])
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && !strings.ContainsRune("\"'(£$€“‘", r) {
			continue
		}
		if c == '.' && isAbbreviation(p[start:i]) {
			continue
		}
		out = append(out, strings.TrimSpace(p[start:j]))
		start = k
		i = k - 1
	}
	if rest := strings.TrimSpace(p[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// isAbbreviation reports whether the text before a full stop ends with an
// abbreviation or a single-letter initial.
func isAbbreviation(before string) bool {
	w := before[strings.LastIndexAny(before, " (")+1:]
	if r, size := utf8.DecodeRuneInString(w); size == len(w) && unicode.IsUpper(r) {
		return true
	}
	_, ok := abbreviations[strings.ToLower(w)]
	return ok
}
