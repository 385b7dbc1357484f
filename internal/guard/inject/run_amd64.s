//go:build !purego

#include "go_asm.h"
#include "textflag.h"

// UNITCUT goes to done when the word ending at DX would make the open
// sentence longer than the scorer's cut: when it ends past R9.
#define UNITCUT \
	CMPQ DX, R9 \
	JGT  done

// OPENUNIT opens a sentence at DI unless one is open (R9 is
// runNoUnit). It uses AX.
#define OPENUNIT \
	LEAQ const_runMaxUnit(DI), AX \
	CMPQ R9, $const_runNoUnit \
	CMOVQEQ AX, R9

// UNITSTART stores the open sentence's start from R9 (st.unit.start, -1
// when none is open). It uses AX and CX.
#define UNITSTART \
	MOVQ R9, AX \
	SUBQ $const_runMaxUnit, AX \
	MOVQ $-1, CX \
	CMPQ R9, $const_runNoUnit \
	CMOVQEQ CX, AX \
	MOVQ AX, (scanState_unit+unitState_start)(R12)

// NEXTBYTE looks at the byte at DI: done at the text's end, on to high
// for a non-ASCII byte and to word for a word's first byte, else on
// with AX the byte and BX its class.
#define NEXTBYTE \
	CMPQ DI, R8 \
	JGE  done \
	MOVBQZX (SI)(DI*1), AX \
	CMPQ AX, $0x80 \
	JAE  high \
	MOVBQZX runTables_class(R11)(AX*1), BX \
	TESTQ $const_runCWord, BX \
	JNZ  word

// MAYBEPACKED clears bit in AX unless the word passes mayBePacked of
// the anchorFilter at field(R11): its packed hash among the whole words
// (exact), or its anchorKey (R10) among the prefixes' (prefTri) and, for
// four bytes and more, its first four among theirs (pref4). R15 holds
// the word packed, R13 its length; BX CX R12 are scratch.
#define MAYBEPACKED(bit, field, pass, fail) \
	TESTQ $bit, AX \
	JZ   pass \
	MOVQ field(R11), CX \
	MOVQ R13, BX \
	IMULQ runTables_mulA(R11), BX \
	XORQ R15, BX \
	IMULQ runTables_mulB(R11), BX \
	SHRQ $48, BX \
	MOVQ BX, R12 \
	SHRQ $6, R12 \
	MOVQ anchorFilter_exact(CX)(R12*8), R12 \
	BTQ  BX, R12 \
	JCS  pass \
	MOVQ R10, R12 \
	SHRQ $6, R12 \
	MOVQ anchorFilter_prefTri(CX)(R12*8), R12 \
	BTQ  R10, R12 \
	JCC  fail \
	MOVBQZX anchorFilter_short(CX), BX \
	TESTQ BX, BX \
	JNZ  pass \
	CMPQ R13, $4 \
	JB   pass \
	MOVL R15, BX \
	XORQ runTables_mul4(R11), BX \
	IMULQ runTables_mulB(R11), BX \
	SHRQ $48, BX \
	MOVQ BX, R12 \
	SHRQ $6, R12 \
	MOVQ anchorFilter_pref4(CX)(R12*8), R12 \
	BTQ  BX, R12 \
	JCS  pass \
fail: \
	ANDQ $~bit, AX \
pass:

// func plainRun(text *byte, n, i int, st *scanState, tab *runTables) (next, ws, cand int)
//
// The plain-word loop of the main pass (run.go). Registers:
//	SI text, R8 n, DI i, R9 where the open sentence would be cut
//	(st.unit.start+runMaxUnit; runNoUnit when none is open), R11 tab,
//	R12 st,
//	R13 the word's length, DX its end, R14 wordEnd of the byte there,
//	R10 its whole-word bit (its anchorKey for MAYBEPACKED), R15 the word
//	packed there, AX BX CX scratch. R14 and R15 are free in ABI0, and
//	nothing here reaches a global (R15 is the GOT's when dynamically
//	linked); R12 is reloaded from the arguments after MAYBEPACKED.
// Every exit to done leaves the state as it was at the byte DI; a
// candidate leaves it as after the word.
TEXT ·plainRun(SB), NOSPLIT, $0-64
	MOVQ text+0(FP), SI
	MOVQ n+8(FP), R8
	MOVQ i+16(FP), DI
	MOVQ st+24(FP), R12
	MOVQ tab+32(FP), R11
	MOVQ (scanState_unit+unitState_start)(R12), R9
	LEAQ const_runMaxUnit(R9), AX
	MOVQ $const_runNoUnit, CX
	TESTQ R9, R9
	CMOVQLT CX, AX
	MOVQ AX, R9
	// Byte constants in every lane for the letter mask of word (see
	// there): X1 0x20 (lower case), X2 31, X3 -103 (0x99).
	MOVQ $0x2020202020202020, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x1F1F1F1F1F1F1F1F, AX
	MOVQ AX, X2
	PUNPCKLQDQ X2, X2
	MOVQ $0x9999999999999999, AX
	MOVQ AX, X3
	PUNPCKLQDQ X3, X3

loop:
	NEXTBYTE
notword:
	MOVBQZX runTables_notable(R11)(AX*1), CX
	TESTQ CX, CX
	JNZ  notable
	INCQ DI                                    // a space, a comma
	JMP  loop

notable:
	CMPQ AX, $0x3C                             // '<': hidden markup
	JEQ  done
	CMPB runTables_content(R11), $0
	JEQ  promptByte
	TESTQ $const_runCSent, BX
	JNZ  done                                  // Content mode: a sentence break (onByte)
promptByte:
	TESTQ $const_runCUnit, BX
	JZ   nextbyte
	CMPQ R9, $const_runNoUnit
	JEQ  nextbyte                              // no sentence open
	CMPQ AX, $0x2E                             // '.'
	JNE  unitend
	// A full stop ends the sentence unless a word follows at once
	// ("3.5", "e.g") and it is not glued to the next sentence.
	LEAQ 1(DI), CX
	CMPQ CX, R8
	JGE  unitend
	MOVBQZX (SI)(CX*1), CX
	MOVBQZX runTables_class(R11)(CX*1), CX
	TESTQ $const_runCWord, CX
	JZ   unitend
	TESTQ DI, DI
	JZ   nextbyte
	MOVBQZX -1(SI)(DI*1), CX
	SUBQ $0x61, CX                             // 'a'
	CMPQ CX, $26
	JAE  nextbyte
	MOVBQZX 1(SI)(DI*1), CX
	SUBQ $0x41, CX                             // 'A'
	CMPQ CX, $26
	JAE  nextbyte

unitend:
	MOVBQZX (scanState_unit+unitState_trig)(R12), CX
	TESTQ CX, CX
	JNZ  done                                  // the sentence is scored
	MOVQ $const_runNoUnit, R9

nextbyte:
	INCQ DI
	JMP  loop

high:
	// A bullet (U+2022, "••4605" in card notices) breaks the sentence
	// like a line break; any other non-ASCII byte is the main pass's.
	CMPQ AX, $0xE2
	JNE  done
	LEAQ 3(DI), CX
	CMPQ CX, R8
	JGT  done
	CMPB 1(SI)(DI*1), $0x80
	JNE  done
	CMPB 2(SI)(DI*1), $0xA2
	JNE  done
	CMPQ R9, $const_runNoUnit
	JEQ  bulletNext                            // no sentence open
	MOVBQZX (scanState_unit+unitState_trig)(R12), CX
	TESTQ CX, CX
	JNZ  done                                  // the sentence is scored
	MOVQ $const_runNoUnit, R9
bulletNext:
	ADDQ $3, DI
	JMP  loop

word:
	LEAQ 16(DI), DX
	CMPQ DX, R8
	JGT  done                                  // near the end: the main pass
	CMPB runTables_content(R11), $0
	JEQ  wordok
	MOVBQZX (scanState_ind+indirectState_atStart)(R12), AX
	TESTQ AX, AX
	JNZ  done                                  // Content mode: a sentence's first word
wordok:
	TESTQ $const_runCLetter, BX
	JZ   digits
	// The first byte that is no ASCII letter (letterEnds), from the
	// sixteen at the word's start: (c|0x20)+31 is -128..-103 (signed)
	// for a letter.
	MOVOU (SI)(DI*1), X0
	POR   X1, X0
	PADDB X2, X0
	PCMPGTB X3, X0
	PMOVMSKB X0, CX
	BSFL CX, R13
	JZ   done                                  // sixteen letters and more

	LEAQ (DI)(R13*1), DX                       // the end of the word
	MOVBQZX (SI)(DX*1), BX
	MOVBQZX runTables_wordEnd(R11)(BX*1), R14
	TESTQ R14, R14
	JZ   done                                  // digits or non-ASCII follow
	UNITCUT
	CMPQ R13, $const_runMaxWord
	JA   longWord
	CMPQ R13, $1
	JNE  filter

	// A one-letter word: count runs of them (single).
	MOVQ scanState_singleEnd(R12), AX
	INCQ AX
	CMPQ AX, DI
	JNE  newrun
	MOVQ scanState_singles(R12), AX
	INCQ AX
	CMPQ AX, $const_runMinSpace
	JGE  done                                  // a word spelt out
	MOVQ AX, scanState_singles(R12)
	JMP  singleok
newrun:
	MOVQ $1, scanState_singles(R12)
singleok:
	LEAQ 1(DI), AX
	MOVQ AX, scanState_singleEnd(R12)
	JMP  commit

longWord:
	// Twelve to fifteen letters: the main pass looks for a run of base64
	// around the word (encoded), which is shorter than minEncoded and
	// ends at the word's end unless a byte of the base64 alphabet lies
	// next to it: then the main pass looks itself. The look ends the
	// same way whenever it is made (st.b64Until, the word's end).
	TESTQ DI, DI
	JZ   done
	MOVBQZX -1(SI)(DI*1), AX
	MOVBQZX runTables_class(R11)(AX*1), AX
	TESTQ $const_runCB64, AX
	JNZ  done
	MOVBQZX runTables_class(R11)(BX*1), AX
	TESTQ $const_runCB64, AX
	JNZ  done
	MOVQ scanState_b64Until(R12), AX
	CMPQ DI, AX
	CMOVQGE DX, AX
	MOVQ AX, scanState_b64Until(R12)
	JMP  filter

digits:
	// A word that starts with a digit or '_' ("2022", "11th"): no
	// letter first, so no digit in it counts as leet; up to ten bytes.
	MOVQ $1, R13
dloop:
	LEAQ (DI)(R13*1), DX
	MOVBQZX (SI)(DX*1), AX
	MOVBQZX runTables_class(R11)(AX*1), BX
	TESTQ $const_runCWord, BX
	JZ   dend
	INCQ R13
	CMPQ R13, $const_runMaxWord
	JB   dloop
	JMP  done                                  // long: encoded or spelt out?
dend:
	CMPQ AX, $0x80
	JAE  done                                  // non-ASCII follows
	MOVBQZX runTables_wordEnd(R11)(AX*1), R14
	UNITCUT
	CMPQ R13, $1
	JEQ  commit

filter:
	// The word filter (wordFilter): anchorKey of the first three bytes,
	// its bit (BX) in its wfEntry (CX), and the whole-word bit (R10).
	MOVBQZX (SI)(DI*1), AX
	ANDQ $31, AX
	SHLQ $10, AX
	MOVBQZX 1(SI)(DI*1), BX
	ANDQ $31, BX
	SHLQ $5, BX
	ORQ  BX, AX
	MOVBQZX 2(SI)(DI*1), BX                    // the third byte, if the word has one
	ANDQ $31, BX
	XORQ CX, CX
	CMPQ R13, $3
	CMOVQCS CX, BX
	ORQ  BX, AX
	MOVQ AX, BX
	ANDQ $63, BX
	MOVWQZX runTables_spread(R11)(BX*2), CX
	SHRQ $6, AX
	XORQ AX, CX                                // wfIndex
	SHLQ $5, CX
	ADDQ runTables_wf(R11), CX
	MOVQ R13, AX
	ANDQ $15, AX
	MOVBQZX runTables_mix(R11)(AX*1), R10
	XORQ BX, R10
	MOVBQZX -1(SI)(DX*1), AX
	ANDQ $31, AX
	MOVBQZX (runTables_mix+16)(R11)(AX*1), AX
	XORQ AX, R10
	ANDQ $63, R10                              // wfLenBit
	MOVQ 0(CX), AX                             // wfAnchor | wfTrigger
	ORQ  16(CX), AX
	BTQ  BX, AX
	JCS  candidate
	MOVQ 8(CX), AX                             // wfAnchorLen | wfTrigLen
	ORQ  24(CX), AX
	BTQ  R10, AX
	JCS  candidate

commit:
	OPENUNIT                                   // the word starts a sentence
	MOVQ DX, scanState_lastWord(R12)
	CMPB runTables_content(R11), $0
	JEQ  counted
	INCQ (scanState_ind+indirectState_words)(R12) // Content mode: one more word
counted:
	// On past a space after the word too (wordEnd 2), by a branch and
	// not by arithmetic on R14, so that the next word's offset does not
	// wait for the two loads behind R14.
	CMPQ R14, $2
	JNE  atEnd
	LEAQ 1(DX), DI
	// The loop's first steps again, for their own branch history: after
	// a word and a space the next byte mostly starts a word.
	NEXTBYTE
	JMP  notword
atEnd:
	// A notable byte follows the word (wordEnd 1): on to it at once.
	MOVQ DX, DI
	MOVBQZX (SI)(DI*1), AX
	MOVBQZX runTables_class(R11)(AX*1), BX
	JMP  notable

candidate:
	// A word a filter lets through: noted like the others, and handed
	// to the main pass with what it may be (1 a trigger, 2 an anchor).
	MOVQ $0, AX
	MOVQ 16(CX), R13                           // wfTrigger
	BTQ  BX, R13
	JCS  trig
	MOVQ 24(CX), R13                           // wfTrigLen
	BTQ  R10, R13
	JCC  anch
trig:
	MOVQ $1, AX
anch:
	MOVQ 0(CX), R13                            // wfAnchor
	BTQ  BX, R13
	JCS  anch1
	MOVQ 8(CX), R13                            // wfAnchorLen
	BTQ  R10, R13
	JCC  cdone
anch1:
	ORQ  $2, AX
cdone:
	// The second pre-filters (mayBePacked) of the anchors and the
	// triggers, for a word of letters of up to eight bytes: most
	// candidates fail them, and then the word is a plain one.
	MOVQ DX, R13
	SUBQ DI, R13                               // its length
	CMPQ R13, $8
	JA   keep
	MOVBQZX (SI)(DI*1), BX
	MOVBQZX runTables_class(R11)(BX*1), BX
	TESTQ $const_runCLetter, BX
	JZ   keep
	MOVQ (SI)(DI*1), R15
	MOVQ $0x2020202020202020, BX
	ORQ  BX, R15                               // lower case (letters only)
	CMPQ R13, $8
	JEQ  packed
	MOVQ R13, CX
	SHLQ $3, CX
	MOVQ $1, BX
	SHLQ CX, BX
	DECQ BX
	ANDQ BX, R15                               // the word packed (pack8)
packed:
	MOVBQZX (SI)(DI*1), R10
	ANDQ $31, R10
	SHLQ $10, R10
	MOVBQZX 1(SI)(DI*1), BX
	ANDQ $31, BX
	SHLQ $5, BX
	ORQ  BX, R10
	MOVBQZX 2(SI)(DI*1), BX
	ANDQ $31, BX
	XORQ CX, CX
	CMPQ R13, $3
	CMOVQCS CX, BX
	ORQ  BX, R10                               // anchorKey
	MAYBEPACKED(1, runTables_trig, noTrig, failTrig)
	MAYBEPACKED(2, runTables_anch, noAnch, failAnch)
	MOVQ st+24(FP), R12
	TESTQ AX, AX
	JZ   commit                                // neither: a plain word
keep:
	MOVQ st+24(FP), R12
	MOVQ AX, cand+56(FP)
	MOVQ DI, ws+48(FP)
	OPENUNIT
	MOVQ DX, scanState_lastWord(R12)
	MOVBQZX runTables_content(R11), AX
	ADDQ AX, (scanState_ind+indirectState_words)(R12) // Content mode: one more word
	LEAQ -1(DX)(R14*1), DI
	UNITSTART
	MOVQ DI, next+40(FP)
	RET

done:
	UNITSTART
	MOVQ DI, next+40(FP)
	MOVQ DI, ws+48(FP)
	MOVQ $0, cand+56(FP)
	RET
