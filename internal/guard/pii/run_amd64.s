//go:build !purego

#include "go_asm.h"
#include "textflag.h"

// CLASSIFY16 classifies the sixteen bytes at off(SI)(DI*1): wordReg gets
// a bit per letter or non-ASCII byte, stopReg a bit per digit, '@' or
// '<'. It uses X0-X6 and the constants in X8-X14.
#define CLASSIFY16(off, wordReg, stopReg, tmpReg) \
	MOVOU   off(SI)(DI*1), X0 \
	PMOVMSKB X0, tmpReg \
	MOVOU   X0, X1 \
	POR     X8, X1 \
	PSUBB   X9, X1 \
	MOVOU   X1, X2 \
	PMINUB  X10, X2 \
	PCMPEQB X2, X1 \
	PMOVMSKB X1, wordReg \
	ORL     tmpReg, wordReg \
	MOVOU   X0, X3 \
	PSUBB   X11, X3 \
	MOVOU   X3, X4 \
	PMINUB  X12, X4 \
	PCMPEQB X4, X3 \
	MOVOU   X0, X5 \
	PCMPEQB X13, X5 \
	POR     X5, X3 \
	MOVOU   X0, X6 \
	PCMPEQB X14, X6 \
	POR     X6, X3 \
	PMOVMSKB X3, stopReg

// func plainRun(text *byte, n, i int, tab *runTables) int
//
// The plain-word loop of the scan (run.go), on windows of 32 bytes,
// classified with AVX2 where tab.avx2 says so, else with SSE2.
// Registers: SI text, DI the window, R8 the last window, R12 tab,
// R10 the words' starts, R13 their ends, BX the first stop, CX DX a
// word's start and end, AX R9 R11 R14 R15 scratch (R14 and R15 are free
// in ABI0; nothing here reaches a global).
// Every exit to done is at a byte the scan loop has not looked at.
TEXT ·plainRun(SB), NOSPLIT, $0-40
	MOVQ text+0(FP), SI
	MOVQ n+8(FP), R8
	MOVQ i+16(FP), DI
	MOVQ tab+24(FP), R12
	SUBQ $48, R8                               // a window reads 48 bytes
	CMPB runTables_avx2(R12), $0
	JEQ  sse
	VBROADCASTI128 runTables_c20(R12), Y8
	VBROADCASTI128 runTables_ca(R12), Y9
	VBROADCASTI128 runTables_c25(R12), Y10
	VBROADCASTI128 runTables_c0(R12), Y11
	VBROADCASTI128 runTables_c9(R12), Y12
	VBROADCASTI128 runTables_cat(R12), Y13
	VBROADCASTI128 runTables_clt(R12), Y14
	JMP  window
sse:
	MOVOU runTables_c20(R12), X8
	MOVOU runTables_ca(R12), X9
	MOVOU runTables_c25(R12), X10
	MOVOU runTables_c0(R12), X11
	MOVOU runTables_c9(R12), X12
	MOVOU runTables_cat(R12), X13
	MOVOU runTables_clt(R12), X14

window:
	CMPQ DI, R8
	JGT  done                                  // the last bytes: the scan loop
	CMPB runTables_avx2(R12), $0
	JEQ  sse32
	// The same with AVX2, 32 bytes at once.
	VMOVDQU (SI)(DI*1), Y0
	VPMOVMSKB Y0, CX
	VPOR    Y8, Y0, Y1
	VPSUBB  Y9, Y1, Y1
	VPMINUB Y10, Y1, Y2
	VPCMPEQB Y2, Y1, Y1
	VPMOVMSKB Y1, AX
	ORL     CX, AX                             // the word bytes
	VPSUBB  Y11, Y0, Y3
	VPMINUB Y12, Y3, Y4
	VPCMPEQB Y4, Y3, Y3
	VPCMPEQB Y13, Y0, Y5
	VPOR    Y5, Y3, Y3
	VPCMPEQB Y14, Y0, Y6
	VPOR    Y6, Y3, Y3
	VPMOVMSKB Y3, BX                           // the stops
	JMP  classified
sse32:
	CLASSIFY16(0, AX, BX, CX)
	CLASSIFY16(16, R9, R11, CX)
	SHLL $16, R9
	ORL  R9, AX                                // the word bytes
	SHLL $16, R11
	ORL  R11, BX                               // the stops
classified:
	MOVL $32, CX
	BSFL BX, BX                                // the first stop
	CMOVLEQ CX, BX                             // none: 32
	MOVL AX, R9
	SHLL $1, R9                                // word bytes after a word byte
	MOVL R9, R13
	NOTL R9
	MOVL AX, R10
	ANDL R9, R10                               // the starts of words
	NOTL AX
	ANDL AX, R13                               // the bytes after words

words:
	TESTL R10, R10
	JZ   windowEnd
	BSFL R10, CX                               // a word's start
	CMPL CX, BX
	JA   atStop                                // a stop comes first
	TESTL R13, R13
	JZ   runsPast
	BSFL R13, DX                               // its end
	MOVL DX, R9
	SUBL CX, R9                                // its length
	CMPL R9, $16
	JAE  longWord                              // long: the scan loop
	ADDQ DI, CX
	ADDQ DI, DX
	MOVBQZX (SI)(DX*1), R14                    // the byte after it
	LEAQ -0x30(R14), AX
	CMPQ AX, $10
	JB   wordDone                              // a digit: a token of letters and digits
	// hashWord, and the filters of the triggers and (for a capital
	// first byte) of the given names.
	MOVQ (SI)(CX*1), AX
	ORQ  runTables_caseBits(R12), AX
	ANDQ runTables_low(R12)(R9*8), AX
	ADDQ R9, AX
	IMULQ runTables_mul(R12), AX
	SHRQ $48, AX                               // triggerHash
	MOVQ AX, R11
	SHRQ $6, R11
	SHLQ $4, R11
	ADDQ runTables_names(R12), R11             // &nameBits[h>>6]
	MOVQ 8(R11), R15
	MOVBQZX (SI)(CX*1), R9
	MOVBQZX runTables_class(R12)(R9*1), R9
	TESTQ $const_runCapital, R9
	CMOVQEQ runTables_zero(R12), R15           // no capital: no given name
	ORQ  0(R11), R15
	BTQ  AX, R15
	JCS  wordDone                              // a trigger or a given name
	CMPQ R14, $0x20
	JEQ  space
	CMPQ R14, $0x3A
	JEQ  wordDone                              // "Name:"
	JMP  next

space:
	// "AB 12 34 56 C", "Salarié :": the scan loop looks.
	MOVQ DX, R9
	SUBQ CX, R9
	CMPQ R9, $2
	JNE  colon
	MOVBQZX (SI)(CX*1), R9
	MOVBQZX runTables_class(R12)(R9*1), R9
	TESTQ $const_runUpper, R9
	JZ   colon
	MOVBQZX 1(SI)(CX*1), R9
	MOVBQZX runTables_class(R12)(R9*1), R9
	TESTQ $const_runUpper, R9
	JNZ  wordDone
colon:
	MOVBQZX 1(SI)(DX*1), R9
	CMPQ R9, $0x3A
	JEQ  wordDone

next:
	LEAQ -1(R10), R9
	ANDL R9, R10
	LEAQ -1(R13), R9
	ANDL R9, R13
	JMP  words

windowEnd:
	CMPL BX, $32
	JB   atStop
	ADDQ $32, DI
	JMP  window

runsPast:
	// The word goes on past the window: the next window starts with it.
	TESTL CX, CX
	JZ   done                                  // thirty-two bytes and more
	ADDQ CX, DI
	JMP  window

longWord:
	ADDQ CX, DI
	JMP  done

atStop:
	ADDQ BX, DI
	JMP  done

wordDone:
	MOVQ CX, DI
	JMP  done

done:
	CMPB runTables_avx2(R12), $0
	JEQ  exit
	VZEROUPPER
exit:
	MOVQ DI, ret+32(FP)
	RET
