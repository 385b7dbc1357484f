#include "go_asm.h"
#include "textflag.h"

// func plainRun(text *byte, n, i int) int
//
// The plain-word loop of the scan (run.go). Registers: SI text, R8 n,
// DI i, R11 class, R12 nameBits, DX the word's end, R13 its length,
// BX the class of its first byte, R14 zero, AX CX R9 R10 scratch.
// Every exit to done is at a byte the scan loop has not looked at.
TEXT ·plainRun(SB), NOSPLIT, $0-32
	MOVQ text+0(FP), SI
	MOVQ n+8(FP), R8
	MOVQ i+16(FP), DI
	LEAQ ·class(SB), R11
	LEAQ ·nameBits(SB), R12
	XORQ R14, R14                              // zero (R14 is free in ABI0)

loop:
	CMPQ DI, R8
	JGE  done
	MOVBQZX (SI)(DI*1), AX
	MOVBQZX (R11)(AX*1), BX
	TESTQ BX, BX
	JNZ  notplain
	INCQ DI                                    // a byte of no class
	JMP  loop

notplain:
	TESTQ $const_runCWord, BX
	JZ   done                                  // a digit, '@', '<'
	LEAQ 16(DI), DX
	CMPQ DX, R8
	JGT  done                                  // near the end
	// The first byte that is no letter (letterBits), in the eight
	// bytes at i and if need be the eight after them.
	MOVQ (SI)(DI*1), AX
	MOVQ AX, CX
	MOVQ $0x7F7F7F7F7F7F7F7F, R9
	ANDQ R9, CX
	MOVQ $const_runCaseBits, R9
	ORQ  R9, CX                                // y
	MOVQ $0x1F1F1F1F1F1F1F1F, R10
	ADDQ CX, R10
	MOVQ $0x0505050505050505, R9
	ADDQ R9, CX
	NOTQ CX
	ANDQ CX, R10
	ORQ  AX, R10
	NOTQ R10
	MOVQ $0x8080808080808080, R9
	ANDQ R9, R10                               // the bytes that are no letter
	JZ   long
	BSFQ R10, CX
	ANDQ $~7, CX                               // 8 × the length
	MOVQ CX, R13
	SHRQ $3, R13
	MOVQ $1, R10
	SHLQ CX, R10
	DECQ R10
	MOVQ $const_runCaseBits, R9
	ORQ  R9, AX
	ANDQ R10, AX                               // the word's bytes, case bits set
	JMP  haveLen

long:
	MOVQ 8(SI)(DI*1), R10
	MOVQ R10, CX
	MOVQ $0x7F7F7F7F7F7F7F7F, R9
	ANDQ R9, CX
	MOVQ $const_runCaseBits, R9
	ORQ  R9, CX
	MOVQ $0x1F1F1F1F1F1F1F1F, R13
	ADDQ CX, R13
	MOVQ $0x0505050505050505, R9
	ADDQ R9, CX
	NOTQ CX
	ANDQ CX, R13
	ORQ  R10, R13
	NOTQ R13
	MOVQ $0x8080808080808080, R9
	ANDQ R9, R13
	JZ   done                                  // sixteen bytes and more
	BSFQ R13, R13
	SHRQ $3, R13
	ADDQ $8, R13
	MOVQ $const_runCaseBits, R9
	ORQ  R9, AX                                // the first eight bytes

haveLen:
	LEAQ (DI)(R13*1), DX                       // the end of the word
	MOVBQZX (SI)(DX*1), CX                     // the byte after it
	LEAQ -0x30(CX), R9
	CMPQ R9, $10
	JB   done                                  // a digit: a token of letters and digits
	// hashWord, and the filters of the triggers and (for a capital
	// first byte) of the given names.
	ADDQ R13, AX
	MOVQ $0xa31801305a67b19b, R9
	IMULQ R9, AX
	SHRQ $48, AX                               // triggerHash
	MOVQ AX, R9
	SHRQ $6, R9
	SHLQ $4, R9
	ADDQ R12, R9                               // &nameBits[h>>6]
	MOVQ 8(R9), R10
	TESTQ $const_runCapital, BX
	CMOVQEQ R14, R10                           // no capital: no given name (without a branch)
	ORQ  0(R9), R10
	BTQ  AX, R10
	JCS  done                                  // a trigger or a given name
	CMPQ CX, $0x20
	JEQ  space
	CMPQ CX, $0x3A
	JEQ  done                                  // "Name:"
	MOVQ DX, DI
	MOVBQZX (R11)(CX*1), CX
	TESTQ CX, CX
	JNZ  loop
	INCQ DI                                    // past a comma, a full stop
	JMP  loop

space:
	// "AB 12 34 56 C", "Salarié :": the scan loop looks.
	CMPQ R13, $2
	JNE  colon
	MOVBQZX (SI)(DI*1), AX
	SUBQ $0x41, AX
	CMPQ AX, $26
	JAE  colon
	MOVBQZX 1(SI)(DI*1), AX
	SUBQ $0x41, AX
	CMPQ AX, $26
	JB   done
colon:
	LEAQ 1(DX), AX
	CMPQ AX, R8
	JGE  past
	MOVBQZX (SI)(AX*1), CX
	CMPQ CX, $0x3A
	JEQ  done
past:
	LEAQ 1(DX), DI                             // the space needs no look
	JMP  loop

done:
	MOVQ DI, ret+24(FP)
	RET
