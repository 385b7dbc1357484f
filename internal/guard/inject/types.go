package inject

// Types lists the finding types the detector reports, in either mode.
func Types() []string {
	return []string{TypeInstructionOverride, TypeJailbreak, TypePromptExtraction, TypeHiddenText,
		TypeEncodedInstruction, TypeIndirectInstruction}
}
