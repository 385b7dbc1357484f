package inject

import (
	"bytes"
	"strings"
)

// Hidden markup: an HTML comment, or an element styled not to render
// (display:none, visibility:hidden, font-size:0, opacity:0, white text),
// holds text a person reading the page does not see but a model reads.
// Such a region is reported as hidden_text when it speaks to an AI or to
// "you" and tells it to do something; the words inside are scanned with
// the rest of the text in any case.

const (
	maxTagBytes    = 400  // bytes read to find the end of a start tag
	maxHiddenBytes = 2000 // bytes of hidden content examined
)

// hiddenStyles are attribute fragments that hide an element, compared
// in lower case, without the spaces around ':'.
var hiddenStyles = [][]byte{[]byte("display:none"), []byte("visibility:hidden"), []byte("font-size:0"),
	[]byte("font-size:1px"), []byte("opacity:0"), []byte("color:white"), []byte("color:#fff"),
	[]byte("aria-hidden=\"true\""), []byte(" hidden>"), []byte(" hidden "), []byte("height:0"),
	[]byte("width:0"), []byte("left:-9999"), []byte("text-indent:-9999"), []byte("color=\"white\""),
	[]byte("color=\"#fff"), []byte("rgb(255,255,255)")}

// markup examines the '<' at text[i]: a comment or a hidden element whose
// content addresses an AI is reported. The content's words are scanned
// with the rest of the text in any case.
func (st *scanState) markup(i int) {
	t := st.text
	if i < st.markupUntil {
		return
	}
	var s, e int
	if strings.HasPrefix(t[i:], "<!--") {
		end := strings.Index(t[i+4:min(len(t), i+4+maxHiddenBytes)], "-->")
		if end < 0 {
			end = min(len(t), i+4+maxHiddenBytes) - i - 4
		}
		s, e = i+4, i+4+end
	} else {
		if i+1 >= len(t) || class[t[i+1]]&cLetter == 0 {
			return
		}
		gt := strings.IndexByte(t[i:min(len(t), i+maxTagBytes)], '>')
		if gt < 0 {
			return
		}
		if !hiddenTag(t[i : i+gt+1]) {
			return
		}
		s = i + gt + 1
		hi := min(len(t), s+maxHiddenBytes)
		e = hi
		if k := strings.Index(t[s:hi], "</"); k >= 0 {
			e = s + k
		}
	}
	st.markupUntil = e
	if e-s < 8 {
		return
	}
	ids := st.e.ids
	if (st.wordsIn(s, e, ids["aiword"]) || st.wordsIn(s, e, ids["you"]) || st.wordsIn(s, e, ids["rolename"])) && st.wordsIn(s, e, ids["hiddencue"]) {
		st.emit(TypeHiddenText, s, e, 0.7)
	}
}

// hiddenTag reports whether the start tag tag hides its element.
func hiddenTag(tag string) bool {
	if !strings.Contains(tag, "tyle") && !strings.Contains(tag, "idden") && !strings.Contains(tag, "olor") {
		return false // no style, hidden or color attribute
	}
	var buf [maxTagBytes]byte
	n := 0
	for k := 0; k < len(tag) && n < len(buf); k++ {
		c := tag[k]
		if c == ' ' && n > 0 && (buf[n-1] == ':' || buf[n-1] == ';') {
			continue // "display: none"
		}
		if c == ' ' && k+1 < len(tag) && tag[k+1] == ':' {
			continue
		}
		if c == '\'' {
			c = '"'
		}
		buf[n] = lowerTab[c]
		n++
	}
	for _, h := range hiddenStyles {
		if bytes.Contains(buf[:n], h) {
			return true
		}
	}
	return false
}
