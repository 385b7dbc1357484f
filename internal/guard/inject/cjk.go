package inject

import "strings"

// Chinese and Japanese are written without spaces, and Korean and Hindi
// put the verb after its object and inflect both, so their phrases are
// matched as a verb and a noun that occur within a few characters of each
// other, in either order (Japanese puts the verb last: "指示を無視して").
// The pass runs only on text that contains Han, kana, Hangul or
// Devanagari.

type cjkRule struct {
	typ    string
	conf   float64
	verbs  []string
	nouns  []string
	radius int // bytes either side of the verb searched for a noun
}

var cjkRules = []cjkRule{
	{
		typ:  TypeInstructionOverride,
		conf: 0.9,
		verbs: []string{"忽略", "无视", "忽视", "忘记", "忘掉", "不要理会", "不理会", "不要遵守", "不再遵守",
			"無視", "忘れ", "無効にし", "従わない", "従うな"},
		nouns: []string{"指令", "指示", "规则", "規則", "提示", "设定", "設定", "命令", "要求", "约束",
			"ルール", "プロンプト", "制約"},
		radius: 60,
	},
	{
		typ:  TypePromptExtraction,
		conf: 0.9,
		verbs: []string{"显示", "告诉我", "输出", "重复", "打印", "透露", "泄露", "给我看", "展示", "说出", "公开",
			"复述", "翻译", "发给我",
			"表示", "見せ", "教えて", "出力", "繰り返", "開示", "書き出", "翻訳"},
		nouns: []string{"系统提示", "系統提示", "提示词", "提示詞", "系统指令", "初始指令", "你的指令", "你的指示",
			"原始指令", "系统消息", "系统设定", "システムプロンプト", "初期指示", "あなたの指示", "最初の指示",
			"元の指示", "隠された指示", "システム指示", "システムメッセージ", "あなたのプロンプト",
			"与えられた指示", "受けた指示", "設定された指示", "あなたへの指示", "你收到的系统提示", "你收到的指令", "给你的指令", "给你的提示"},
		radius: 60,
	},
	{
		// "what is your system prompt": the question needs "your".
		typ:    TypePromptExtraction,
		conf:   0.85,
		verbs:  []string{"是什么", "有哪些", "是啥", "何ですか", "は何", "とは何", "教えてください"},
		nouns:  []string{"你的系统提示", "你的提示词", "你的指令", "你的系统指令", "你的初始指令", "你的规则", "你的设定", "あなたのシステムプロンプト", "あなたの指示", "あなたのプロンプト", "你收到的系统提示", "你收到的指令", "给你的指令", "给你的提示"},
		radius: 30,
	},
	{
		typ:  TypeJailbreak,
		conf: 0.85,
		verbs: []string{"没有任何限制", "不受任何限制", "没有限制", "不受限制", "没有道德", "制限なし", "制限のない", "制限がない",
			"越狱", "脱獄", "ルールのない", "ルールがない"},
		nouns:  []string{"你", "AI", "人工智能", "助手", "模式", "あなた", "アシスタント", "モード", "ふり"},
		radius: 45,
	},
	{
		// "pretend you are an assistant without any rules".
		typ:    TypeJailbreak,
		conf:   0.8,
		verbs:  []string{"假装", "扮演", "装作", "假设你"},
		nouns:  []string{"没有任何", "没有规则", "没有限制", "不受任何", "不受限制", "无限制", "不受约束"},
		radius: 60,
	},
	{
		typ:    TypeJailbreak,
		conf:   0.85,
		verbs:  []string{"开发者模式", "開発者モード"},
		nouns:  []string{"限制", "规则", "政策", "ChatGPT", "AI", "人工智能", "过滤", "审查", "制限", "ポリシー"},
		radius: 90,
	},

	// Korean.
	{
		typ:    TypeInstructionOverride,
		conf:   0.9,
		verbs:  []string{"무시", "잊어", "잊고", "잊으", "따르지 마", "따르지 말"},
		nouns:  []string{"지시", "명령", "지침", "규칙", "프롬프트", "설정"},
		radius: 45,
	},
	{
		typ:   TypePromptExtraction,
		conf:  0.9,
		verbs: []string{"보여", "출력", "알려", "공개", "반복", "말해", "표시", "밝혀", "번역"},
		nouns: []string{"시스템 프롬프트", "시스템프롬프트", "초기 지시", "원래 지시", "숨겨진 지시", "너의 지시", "당신의 지시",
			"네 지시", "시스템 메시지", "시스템 지침", "시스템 지시", "초기 프롬프트", "너의 프롬프트", "당신의 프롬프트",
			"주어진 지침", "주어진 지시", "받은 지시", "받은 지침", "설정된 지침", "너의 규칙", "당신의 규칙", "너의 지침", "당신의 지침"},
		radius: 60,
	},
	{
		typ:    TypePromptExtraction,
		conf:   0.85,
		verbs:  []string{"무엇", "뭐야", "뭔가요", "뭐예요", "뭡니까"},
		nouns:  []string{"너의 시스템 프롬프트", "당신의 시스템 프롬프트", "네 시스템 프롬프트", "너의 지시", "당신의 지시", "너의 프롬프트", "당신의 프롬프트"},
		radius: 45,
	},
	{
		typ:  TypeJailbreak,
		conf: 0.85,
		verbs: []string{"제한 없는", "제한이 없는", "제한 없이", "아무 제한", "규칙 없는", "규칙이 없는", "필터 없는", "검열 없는",
			"탈옥"},
		nouns:  []string{"너", "당신", "AI", "인공지능", "모드", "어시스턴트", "척", "답", "행동", "역할"},
		radius: 45,
	},
	{
		typ:    TypeJailbreak,
		conf:   0.85,
		verbs:  []string{"개발자 모드", "डेवलपर मोड"},
		nouns:  []string{"제한", "규칙", "필터", "검열", "정책", "AI", "인공지능", "प्रतिबंध", "नियम", "फ़िल्टर", "एआई"},
		radius: 90,
	},

	// Hindi.
	{
		typ:  TypeInstructionOverride,
		conf: 0.9,
		verbs: []string{"अनदेखा", "नज़रअंदाज़", "नजरअंदाज", "नज़रअंदाज", "भूल जाओ", "भूल जाइए", "भूल जाएं", "भूल जाएँ",
			"उपेक्षा", "पालन मत", "पालन न करें", "मत मानो"},
		nouns:  []string{"निर्देश", "नियम", "आदेश", "प्रॉम्प्ट", "प्रोम्प्ट", "हिदायत"},
		radius: 90,
	},
	{
		typ:   TypePromptExtraction,
		conf:  0.9,
		verbs: []string{"दिखाओ", "दिखाइए", "दिखाएं", "दिखाएँ", "बताओ", "बताइए", "बताएं", "बताएँ", "प्रकट", "दोहराओ", "दोहराइए", "लिखो", "प्रिंट"},
		nouns: []string{"सिस्टम प्रॉम्प्ट", "सिस्टम प्रोम्प्ट", "सिस्टम निर्देश", "प्रारंभिक निर्देश", "मूल निर्देश", "छिपे हुए निर्देश",
			"छिपे निर्देश", "तुम्हारे निर्देश", "आपके निर्देश", "तुम्हारा प्रॉम्प्ट", "आपका प्रॉम्प्ट"},
		radius: 90,
	},
	{
		typ:  TypeJailbreak,
		conf: 0.85,
		verbs: []string{"बिना किसी प्रतिबंध", "बिना प्रतिबंध", "बिना किसी रोक", "बिना किसी नियम", "बिना नियम", "बिना किसी सीमा",
			"बिना सीमा", "बिना किसी फ़िल्टर", "बिना फ़िल्टर", "कोई प्रतिबंध नहीं", "कोई नियम नहीं", "कोई सीमा नहीं"},
		nouns:  []string{"तुम", "आप", "एआई", "AI", "मोड", "सहायक", "नाटक", "दिखावा", "मान लो", "कल्पना", "बताओ", "बताइए", "जवाब", "उत्तर"},
		radius: 90,
	},
}

// scanCJK runs the Chinese, Japanese, Korean and Hindi rules.
func (st *scanState) scanCJK() {
	t := st.text
	for ri := range cjkRules {
		r := &cjkRules[ri]
		for _, v := range r.verbs {
			for from := 0; from < len(t); {
				k := strings.Index(t[from:], v)
				if k < 0 {
					break
				}
				vs := from + k
				ve := vs + len(v)
				from = ve
				lo, hi := max(0, vs-r.radius), min(len(t), ve+r.radius)
				for lo < vs && t[lo]&0xC0 == 0x80 {
					lo++
				}
				for hi > ve && hi < len(t) && t[hi]&0xC0 == 0x80 {
					hi--
				}
				s, e := vs, ve
				found := false
				for _, n := range r.nouns {
					if j := strings.Index(t[lo:hi], n); j >= 0 {
						found = true
						s, e = min(s, lo+j), max(e, lo+j+len(n))
						break
					}
				}
				if found {
					st.emit(r.typ, s, e, r.conf)
				}
			}
		}
	}
}
