package inject

import "strings"

// Chinese and Japanese are written without spaces, so their phrases are
// matched as a verb and a noun that occur within a few characters of each
// other, in either order (Japanese puts the verb last: "指示を無視して").
// The pass runs only on text that contains Han or kana.

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
			"無視", "忘れ", "無効にし"},
		nouns: []string{"指令", "指示", "规则", "規則", "提示", "设定", "設定", "命令", "要求", "约束",
			"ルール", "プロンプト", "制約"},
		radius: 36,
	},
	{
		typ:  TypePromptExtraction,
		conf: 0.9,
		verbs: []string{"显示", "告诉我", "输出", "重复", "打印", "透露", "泄露", "给我看", "展示", "说出", "公开",
			"表示", "見せ", "教えて", "出力", "繰り返", "開示"},
		nouns: []string{"系统提示", "系統提示", "提示词", "提示詞", "系统指令", "初始指令", "你的指令", "你的指示",
			"原始指令", "系统消息", "系统设定", "システムプロンプト", "初期指示", "あなたの指示", "最初の指示",
			"元の指示", "隠された指示", "システム指示"},
		radius: 36,
	},
	{
		typ:    TypeJailbreak,
		conf:   0.85,
		verbs:  []string{"没有任何限制", "不受任何限制", "没有限制", "不受限制", "没有道德", "制限なし", "制限のない", "制限がない", "越狱", "脱獄"},
		nouns:  []string{"你", "AI", "人工智能", "助手", "模式", "あなた", "アシスタント", "モード"},
		radius: 45,
	},
	{
		typ:    TypeJailbreak,
		conf:   0.85,
		verbs:  []string{"开发者模式", "開発者モード"},
		nouns:  []string{"限制", "规则", "政策", "ChatGPT", "AI", "人工智能", "过滤", "审查", "制限", "ポリシー"},
		radius: 90,
	},
}

// scanCJK runs the Chinese and Japanese rules.
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
