//go:build !purego

#include "textflag.h"

// func skip64(text *byte, n, i int, class *[256]uint8) int
//
// Z8-Z11 hold the class table; each block of 64 bytes at DI and the 64
// before it shifted by one are looked up (the low seven bits index two
// table registers, the top bit picks the half), and a byte is a
// candidate when its anchor nibble meets the neighbour nibble of the
// byte before it.
TEXT ·skip64(SB), NOSPLIT, $0-40
	MOVQ text+0(FP), SI
	MOVQ n+8(FP), R8
	MOVQ i+16(FP), DI
	MOVQ class+24(FP), AX
	SUBQ $64, R8
	VMOVDQU8 0(AX), Z8
	VMOVDQU8 64(AX), Z9
	VMOVDQU8 128(AX), Z10
	VMOVDQU8 192(AX), Z11
	MOVL $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z12

loop:
	CMPQ DI, R8
	JGT  done
	VMOVDQU8 (SI)(DI*1), Z0
	VMOVDQU8 -1(SI)(DI*1), Z1
	// The classes of the bytes (Z2) and of the bytes before them (Z4).
	VMOVDQA64 Z8, Z2
	VPERMT2B Z9, Z0, Z2
	VMOVDQA64 Z10, Z3
	VPERMT2B Z11, Z0, Z3
	VPMOVB2M Z0, K1
	VMOVDQU8 Z3, K1, Z2
	VMOVDQA64 Z8, Z4
	VPERMT2B Z9, Z1, Z4
	VMOVDQA64 Z10, Z5
	VPERMT2B Z11, Z1, Z5
	VPMOVB2M Z1, K2
	VMOVDQU8 Z5, K2, Z4
	VPSRLW $4, Z4, Z4                          // the neighbour nibbles, low
	VPANDQ Z4, Z2, Z2
	VPTESTMB Z12, Z2, K3                       // anchor & neighbour & 0x0F
	KMOVQ K3, AX
	TESTQ AX, AX
	JNZ  found
	ADDQ $64, DI
	JMP  loop

found:
	BSFQ AX, AX
	ANDQ $~15, AX                              // its block of sixteen
	ADDQ AX, DI

done:
	VZEROUPPER
	MOVQ DI, ret+32(FP)
	RET
