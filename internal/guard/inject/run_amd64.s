#include "go_asm.h"
#include "textflag.h"

// func plainRun(text *byte, n, i int, st *scanState, tab *runTables) int
//
// The plain-word loop of the main pass (run.go). Registers:
//	SI text, R8 n, DI i, R9 st.unit.start, R10 st.lastWord,
//	R11 tab, R12 st, R13 the word's length, DX its end,
//	AX BX CX scratch.
// Every exit to done leaves the state as it was at the byte DI.
TEXT ·plainRun(SB), NOSPLIT, $0-48
	MOVQ text+0(FP), SI
	MOVQ n+8(FP), R8
	MOVQ i+16(FP), DI
	MOVQ st+24(FP), R12
	MOVQ tab+32(FP), R11
	MOVQ (scanState_unit+unitState_start)(R12), R9
	MOVQ scanState_lastWord(R12), R10

loop:
	CMPQ DI, R8
	JGE  done
	MOVBQZX (SI)(DI*1), AX
	CMPQ AX, $0x80
	JAE  done                                  // non-ASCII: the main pass
	MOVBQZX runTables_class(R11)(AX*1), BX
	TESTQ $const_runCWord, BX
	JNZ  word
	MOVBQZX runTables_notable(R11)(AX*1), CX
	TESTQ CX, CX
	JNZ  notable
	INCQ DI                                    // a space, a comma
	JMP  loop

notable:
	CMPQ AX, $0x3C                             // '<': hidden markup
	JEQ  done
	TESTQ $const_runCUnit, BX
	JZ   nextbyte
	TESTQ R9, R9
	JS   nextbyte                              // no sentence open
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
	MOVQ $-1, R9

nextbyte:
	INCQ DI
	JMP  loop

word:
	LEAQ 16(DI), DX
	CMPQ DX, R8
	JGT  done                                  // near the end: the main pass
	// The first byte that is no ASCII letter (letterEnds).
	MOVQ (SI)(DI*1), BX
	MOVQ $0x2020202020202020, AX
	ORQ  AX, BX
	MOVQ $0x1F1F1F1F1F1F1F1F, CX
	ADDQ BX, CX
	NOTQ CX
	MOVQ $0x0505050505050505, AX
	ADDQ AX, BX
	ORQ  BX, CX
	MOVQ $0x8080808080808080, AX
	ANDQ AX, CX
	JZ   long
	BSFQ CX, R13
	SHRQ $3, R13
	JZ   done                                  // a digit or '_' first
	JMP  haveLen

long:
	MOVQ 8(SI)(DI*1), BX
	MOVQ $0x2020202020202020, AX
	ORQ  AX, BX
	MOVQ $0x1F1F1F1F1F1F1F1F, CX
	ADDQ BX, CX
	NOTQ CX
	MOVQ $0x0505050505050505, AX
	ADDQ AX, BX
	ORQ  BX, CX
	MOVQ $0x8080808080808080, AX
	ANDQ AX, CX
	JZ   done                                  // sixteen letters and more
	BSFQ CX, R13
	SHRQ $3, R13
	ADDQ $8, R13
	CMPQ R13, $const_runMaxWord
	JA   done

haveLen:
	LEAQ (DI)(R13*1), DX                       // the end of the word
	MOVBQZX (SI)(DX*1), BX
	MOVBQZX runTables_wordEnd(R11)(BX*1), BX
	TESTQ BX, BX
	JZ   done                                  // the word goes on
	TESTQ R9, R9
	JS   unitok
	MOVQ DX, AX
	SUBQ R9, AX
	CMPQ AX, $const_runMaxUnit
	JGT  done                                  // the sentence is cut here
unitok:
	CMPQ R13, $1
	JEQ  single

	// The word filter: anchorKey of the first three bytes.
	MOVBQZX (SI)(DI*1), AX
	ANDQ $31, AX
	SHLQ $10, AX
	MOVBQZX 1(SI)(DI*1), BX
	ANDQ $31, BX
	SHLQ $5, BX
	ORQ  BX, AX
	CMPQ R13, $3
	JB   key
	MOVBQZX 2(SI)(DI*1), BX
	ANDQ $31, BX
	ORQ  BX, AX
key:
	MOVQ AX, BX
	ANDQ $63, BX                               // the key's bit
	MOVWQZX runTables_spread(R11)(BX*2), CX
	SHRQ $6, AX
	XORQ AX, CX                                // wfIndex
	SHLQ $5, CX
	ADDQ runTables_wf(R11), CX                 // its wfEntry
	MOVQ 0(CX), AX                             // wfAnchor | wfTrigger
	ORQ  16(CX), AX
	BTQ  BX, AX
	JCS  done                                  // a candidate
	MOVQ R13, AX
	ANDQ $15, AX
	MOVBQZX runTables_mix(R11)(AX*1), AX
	XORQ AX, BX
	MOVBQZX -1(SI)(DX*1), AX
	ANDQ $31, AX
	MOVBQZX (runTables_mix+16)(R11)(AX*1), AX
	XORQ AX, BX                                // wfLenBit
	ANDQ $63, BX
	MOVQ 8(CX), AX                             // wfAnchorLen | wfTrigLen
	ORQ  24(CX), AX
	BTQ  BX, AX
	JCS  done
	JMP  commit

single:
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

commit:
	TESTQ R9, R9
	JNS  started
	MOVQ DI, R9                                // the word starts a sentence
started:
	MOVQ DX, R10
	MOVBQZX (SI)(DX*1), BX
	MOVBQZX runTables_wordEnd(R11)(BX*1), BX
	LEAQ -1(DX)(BX*1), DI                      // past a space after it too
	JMP  loop

done:
	MOVQ R9, (scanState_unit+unitState_start)(R12)
	MOVQ R10, scanState_lastWord(R12)
	MOVQ DI, ret+40(FP)
	RET
