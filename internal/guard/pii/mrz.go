package pii

// Machine-readable zones of passports and identity cards (ICAO 9303): two
// lines of 44 characters (TD3, passports), two of 36 (TD2) or three of 30
// (TD1, identity cards), in [A-Z0-9<]. A zone is reported only when its
// check digits are right.

func isMRZ(c byte) bool { return isUpper(c) || isDigit(c) || c == '<' }

// mrzRun returns the run of MRZ characters around i, at most 44 long, and
// whether it stands alone on its line (nothing but spaces around it).
func mrzRun(text string, i int) (start, end int, ok bool) {
	start, end = i, i
	for start > 0 && i-start < 44 && isMRZ(text[start-1]) {
		start--
	}
	for end < len(text) && end-start < 45 && isMRZ(text[end]) {
		end++
	}
	if start > 0 && text[start-1] != '\n' && text[start-1] != ' ' && text[start-1] != '\r' {
		return start, end, false
	}
	if end < len(text) && text[end] != '\n' && text[end] != ' ' && text[end] != '\r' {
		return start, end, false
	}
	switch end - start {
	case 30, 36, 44:
		return start, end, true
	}
	return start, end, false
}

// nextLine returns the MRZ run on the line after end, if it has length l.
func nextLine(text string, end, l int) (int, int, bool) {
	p := end
	for p < len(text) && (text[p] == ' ' || text[p] == '\r') && p-end < 4 {
		p++
	}
	if p >= len(text) || text[p] != '\n' {
		return 0, 0, false
	}
	p++
	for p < len(text) && text[p] == ' ' && p-end < 12 {
		p++
	}
	if p >= len(text) || !isMRZ(text[p]) {
		return 0, 0, false
	}
	s, e, ok := mrzRun(text, p)
	if !ok || s != p || e-s != l {
		return 0, 0, false
	}
	return s, e, true
}

// mrz handles a '<' at i and returns where the scan resumes.
func (s *scanner) mrz(i int) int {
	text := s.text
	if i+1 >= len(text) || text[i+1] != '<' || !s.d.on(kMRZ) {
		return i + 1
	}
	start, end, ok := mrzRun(text, i)
	if !ok {
		for end < len(text) && (isMRZ(text[end])) {
			end++
		}
		return end
	}
	l := end - start
	line := text[start:end]
	s2, e2, ok2 := nextLine(text, end, l)
	switch l {
	case 44, 36:
		if ok2 && (line[0] == 'P' || line[0] == 'I' || line[0] == 'A' || line[0] == 'C' || line[0] == 'V') &&
			mrzLine2(text[s2:e2]) {
			s.add(kMRZ, start, e2, 0.95)
			return e2
		}
		if mrzLine2(line) {
			s.add(kMRZ, start, end, 0.9)
		}
	case 30:
		if ok2 {
			_, e3, ok3 := nextLine(text, e2, l)
			if mrzTD1(line, text[s2:e2]) {
				if !ok3 {
					e3 = e2
				}
				s.add(kMRZ, start, e3, 0.95)
				return max(e3, end)
			}
		}
	}
	return end
}

// mrzLine2 checks the second line of a TD3 (44) or TD2 (36) zone: document
// number, birth date, expiry date, (TD3: personal number) and composite
// check digits.
func mrzLine2(l string) bool {
	if !mrzCheck(l[0:9], l[9]) || !mrzCheck(l[13:19], l[19]) || !mrzCheck(l[21:27], l[27]) ||
		!dateDigits(l[13:19]) || !dateDigits(l[21:27]) {
		return false
	}
	last := len(l) - 1
	var comp [44]byte
	n := copy(comp[:], l[0:10])
	n += copy(comp[n:], l[13:20])
	if len(l) == 44 {
		if l[42] != '<' || l[28:42] != "<<<<<<<<<<<<<<" {
			if !mrzCheck(l[28:42], l[42]) {
				return false
			}
		}
		n += copy(comp[n:], l[21:43])
	} else {
		n += copy(comp[n:], l[21:last])
	}
	return mrzCheck(string(comp[:n]), l[last])
}

// mrzTD1 checks the first two lines of a TD1 zone.
func mrzTD1(l1, l2 string) bool {
	if !mrzCheck(l1[5:14], l1[14]) || !mrzCheck(l2[0:6], l2[6]) || !mrzCheck(l2[8:14], l2[14]) ||
		!dateDigits(l2[0:6]) || !dateDigits(l2[8:14]) {
		return false
	}
	var comp [60]byte
	n := copy(comp[:], l1[5:30])
	n += copy(comp[n:], l2[0:7])
	n += copy(comp[n:], l2[8:15])
	n += copy(comp[n:], l2[18:29])
	return mrzCheck(string(comp[:n]), l2[29])
}

// dateDigits reports a YYMMDD date.
func dateDigits(d string) bool {
	if !allDigits(d) {
		return false
	}
	m := int(d[2]-'0')*10 + int(d[3]-'0')
	day := int(d[4]-'0')*10 + int(d[5]-'0')
	return m >= 1 && m <= 12 && day >= 1 && day <= 31
}
