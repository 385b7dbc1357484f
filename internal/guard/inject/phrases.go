package inject

// The phrase tables. Each family lists its English forms first, then the
// other languages (German, French, Spanish, Italian, Portuguese, Dutch,
// Russian). More families are in families.go; the words of further
// languages, and the patterns of languages whose word order differs, in
// languages.go; Chinese, Japanese, Korean and Hindi in cjk.go.

// wordSets are the named sets patterns refer to with "@name".
var wordSets = map[string]string{
	// Filler words allowed in gaps: articles, quantifiers, possessives,
	// position words and qualifiers, in all supported languages. "my" is
	// deliberately absent: "ignore my previous question" is a user
	// correcting themselves.
	"fill": `the a an all of any every each these those that this and or your yours
		above previous prior earlier preceding foregoing former initial original old
		existing current other such kind kinds sort types given provided set whole
		entire complete full exact specific hidden secret internal developer default
		system core base same following said written me us just now also again
		safety ethical moral content contents text wording words rest body out its
		previously before today instead ever been were by from so far
		typical usual normal standard regular traditional conventional own
		back linee treść treści zawartość obsah innehåll indhold inhoud inhalt
		contenu contenido contenuto conteúdo содержимое содержание вміст prosím proszę venligst vänligen gerne alsjeblieft alstublieft
		lütfen пожалуйста favor favore plaît s'il na mot pour palabra por
		parola per palavra woord voor wort für słowo slovo od ord för слово
		дословно дослівно wörtlich letterlijk dosłownie doslova ordagrant
		ordret textuellement textualmente testualmente oorspronkelijke originele
		initiële ursprünglichen ursprüngliche anfänglichen initiales iniciales
		iniziali iniciais originales originali originais початкові ursprungliga
		oprindelige pierwotne pierwotnych původní původních ilk
		privacy confidentiality hr company corporate data-protection gdpr pii
		really actually truly secretly originally initially data about first last
		системный системные исходные
		die der den dem des das alle alles deine deinen deiner ihre ihren sie du mir
		bitte und bisherigen vorherigen vorigen obigen sämtliche sämtlichen
		le la les l' de du vos tes ton ta votre toutes tous tout moi et précédentes
		el los las tus sus su tu del todas todos todo y me mis
		il lo gli i tue tuoi tua tuo di delle dei tutte tutti tutto e mi
		os as o suas tuas seu seus sua teu tuas do da dos das
		het je jouw uw en mij
		все всё свои твои свой твой мне ваши ваш эти данные`,

	"ignore": `ignore ignoring disregard disregarding forget forgetting neglect overlook
		skip discard dismiss abandon drop ignor* unlearn ingore ignroe ignre
		disreguard disragard dissregard forgt
		vergiss vergesst vergessen missachte missachten übergehe
		oublie oubliez oublier néglige négligez
		olvida olvide olviden olvidar descarta descarte descartar omite omita
		dimentica dimenticate dimenticare trascura trascurate
		esqueça esqueca esqueçam esquece desconsidere desconsidera desconsiderar despreze
		negeer negeren vergeet
		игнорир* проигнорир* забудь забудьте забыть отбрось отбросьте`,

	"prev": `previous prior above earlier preceding preceeding foregoing former initial
		original aforementioned prev before previus prevoius preivous pervious
		vorherig* bisherig* vorige vorigen voriger obige obigen obiger früher* frueher*
		vorangegangen* vorangehend* ursprünglich* urspruenglich* alten
		précédent* precedent* antérieur* anterieur* anciennes ci-dessus
		anterior* previa previas previo previos
		precedenti sopra
		eerder* voorgaand* bovenstaande vorige
		предыдущ* прошл* прежн* вышеуказанн* вышеприведенн* изначальн* исходн*`,

	// Nouns naming the instructions an agent was given.
	"instr": `instructions instruction rules rule directions directives prompts prompt
		commands command constraints programming orders system-prompt context
		instrucitons instuctions instrctions intructions insructions
		instruc* anweisung* instruktion* befehl* regeln vorgaben anordnung*
		consignes règles regles directives ordres
		reglas indicaciones órdenes ordenes directrices
		istruzion* regole indicazioni direttive
		instruç* regras orientaç* orientac* diretrizes
		instructies regels aanwijzingen opdrachten
		инструкц* указани* правил* команд* промпт*`,

	// Nouns naming an agent's safety layer.
	"safety": `guidelines policies principles ethics morals safeguards filters filter
		restrictions limitations limits censorship guardrails values boundaries
		constraints training content-policy programming policy rule guideline
		principle restriction protocols protocol safeguard limitation moderation
		alignment conditioning guidance briefing mandate obligations duties guida
		richtlijnen
		richtlinien einschränkungen grenzen
		restrictions limites
		restricciones limitaciones
		restrizioni limitazioni
		restrições restricoes limitações
		beperkingen
		ограничения`,

	"all": `all everything any every alle alles sämtliche toutes tous tout todas todos
		todo tutte tutti tutto tudo все всё`,

	"your": `your yours thy deine deinen deiner dein ihre ihren eure euren vos votre tes
		ton ta tus sus tu su tue tuoi tua tuo suas tuas teus seu seus sua teu je jouw uw
		свои твои свой твой ваши ваш`,

	// Verbs asking an agent to show what it was told.
	"reveal": `repeat print reveal show display output write dump leak disclose expose
		spells spelling respond reply answer
		summarize summarise paraphrase translate quote cite reproduce transcribe
		describe outline enumerate detail read restate reword rephrase export unveil
		recite echo tell give provide share list copy spell paste
		state rewrite render regurgitate divulge
		montre-moi montrez-moi donne-moi donnez-moi dis-moi dites-moi affiche-moi
		répète-moi révèle-moi
		zeige zeig zeigen nenne nenn gib wiederhole verrate enthülle drucke schreibe sag sage
		montre montrez affiche affichez révèle révélez revele répète répétez repete
		donne donnez dis dites imprime écris ecris
		muestra muéstrame muestrame revela revélame repite dime dame imprime escribe
		enséñame ensename
		mostra mostrami rivela rivelami ripeti dimmi dammi stampa scrivi
		mostre revele repita diga imprima escreva
		toon laat herhaal geef vertel
		покажи выведи повтори раскрой напиши скажи расскажи дай распечатай`,

	// Nouns naming the hidden prompt.
	"pnoun": `prompt prompts instructions instruction directives system-prompt consignes
		preprompt pre-prompt initialization configuration system-message
		metaprompt meta-prompt context-window context preamble
		systemprompt systemanweisungen anweisungen instruktionen vorgaben
		consignes instrucciones indicaciones istruzioni instruções instrucoes
		instructies systeemprompt
		промпт инструкции инструкций указания подсказку`,

	// Qualifiers that make "the instructions" mean the agent's own.
	"qual": `system initial original hidden secret internal developer confidential
		pre-prompt underlying ursprünglichen anfänglichen geheimen système systeme
		sistema системный системные исходные изначальные скрытые`,

	// Words that may follow a phrase ended by "$end".
	"conj": `and then und et y e en instead but now so please or also dann puis luego
		poi depois daarna и`,

	// Addressees that make a sentence speak to an AI.
	"ai": `ai ais assistant chatbot model bot gpt chatgpt llm persona character entity
		language-model claude gemini copilot`,

	// Words naming an AI as the subject or object of a phrase ("the
	// developer of this bot", "AI systems processing this message").
	"aiword": `ai bot chatbot chatbots assistant assistants model models llm llms gpt
		chatgpt claude gemini copilot language-model language-models bots`,

	// Qualifiers that make "your ... message" the agent's hidden prompt.
	"strongqual": `system developer hidden secret internal confidential underlying
		pre-prompt meta`,

	// Nouns that name the hidden prompt once a qualifier precedes them.
	"msgnoun": `message messages prompt prompts instructions instruction directives
		rules guidelines setup configuration config preamble`,

	// People who claim authority over the agent.
	"authority": `developer developers creator creators programmer programmers
		operator operators admin administrator administrators owner owners maker
		makers engineer engineers trainer trainers master`,

	// What an exfiltration sends away: the conversation.
	"convnoun": `conversation conversations chat chats history transcript transcripts
		dialogue dialog session messages log logs thread`,

	// Other people who talk to the agent: "what did the previous user ask
	// you", "the last person you talked to".
	"others": `user users person people employee employees colleague colleagues
		coworker coworkers co-worker co-workers staff customer customers member
		members caller callers`,

	// Verbs that send text somewhere.
	"exfilverb": `send forward email e-mail mail post upload transmit exfiltrate leak
		copy share submit relay export dump cc bcc paste`,

	// Verbs that switch a safety layer off.
	"disable": `disable deactivate remove lift suspend drop bypass circumvent skip
		waive override switch turn`,

	// Safety layers named by what they protect.
	"safetyq": `pii safety moderation ethics ethical moral redaction masking
		confidentiality anonymization anonymisation data-protection gdpr
		guardrail`,

	// Nouns for a safety layer.
	"guard": `filter filters filtering check checks guard guards guardrail guardrails
		protection protections restrictions rules policy policies redaction masking
		safeguards protocols protocol controls layer settings mode`,

	// States of a safety layer that is switched off.
	"offword": `off disabled deactivated none removed bypassed suspended lifted
		inactive false lowered`,

	// Negators before "apply", "exist".
	"negaux": `not don't doesn't didn't dont doesnt didnt never longer won't no
		does do did`,

	// Mode names that lift restrictions by themselves.
	"strongmodename": `sudo god superuser jailbreak jailbroken unrestricted uncensored
		unfiltered evil chaos rogue unlocked freedom dan opposite unleashed`,

	// Mode names that need an AI word nearby.
	"weakmodename": `developer dev debug admin administrator maintenance test testing
		root override`,

	// Role-play verbs that open "act as X with no rules", and the words
	// that link them to the role.
	"actverb": `act acting behave respond answer reply pretend pretending roleplay
		role-play simulate be become play imagine`,
	"actlink": `as like to that you're you you'll role part character`,

	// More things a role may be "without", for the role-play frame only.
	"nolimit2": `privacy confidentiality protections oversight laws regulations`,

	// The safety layer's nouns, without the everyday "policy" and "rules".
	"limitnoun": `guidelines restrictions limitations limits filters ethics morals
		boundaries training programming guardrails safeguards principles
		constraints censorship`,

	// Orders in hidden markup.
	"hiddencue": `tell say reply respond answer include ignore must should always never
		approve recommend mention add send forward reveal print output skip list
		give grant rate rank forget disregard override don't do instead`,

	// Words before "New task:" that drop the task at hand.
	"switchcue": `stop halt enough cancel abort scratch forget ignore disregard instead
		wait actually`,

	// Words that give "you" a role ("You are Max, an AI who ...").
	"personacue": `are you're play playing roleplay role-play persona character
		pretend act acting be become called named`,

	// What a persona's rule-breaking trait is about.
	"personaobj": `rules rule policies policy restrictions secrets secret salaries salary
		file files records data gossip privacy confidentiality everything anything
		limits filter filters boundaries ethics morals guidelines information`,

	// Frames that make a request fiction or a hypothesis ("I'm writing a
	// novel", "as a thought experiment"), and the records such a frame is
	// used to draw out of an HR agent.
	"fiction": `novel story stories screenplay script poem fiction fictional movie film
		scene game roleplay role-play hypothetical hypothetically hypothesis
		thought experiment imaginary pretend imagine fantasy thriller mystery
		drama sketch comedy tale fable episode chapter narrative plot`,
	"datanoun": `records record salaries salary addresses address names numbers files file
		data details history histories reviews payroll diagnoses diagnosis
		personnel dossiers bonuses bonus pay wages earnings compensation`,
	// The rarer of those, which the scanner can look for as anchors
	// without stopping at every "details" of an order confirmation.
	"datarare": `records salaries addresses files diagnoses diagnosis personnel dossiers
		payroll wages earnings bonuses compensation histories`,

	// Vague nouns for the safety layer when it is waved away ("the privacy
	// stuff", "the GDPR nonsense"), and what follows such a wave when it
	// is an attack: a request (for someone's data, or for this one
	// answer).
	"vaguenoun": `stuff nonsense bit thing things business rules malarkey rubbish
		formalities red-tape crap`,
	"dataask": `tell show give read list print send share reveal who whose where
		question request`,

	// What an AI can be turned into ("you're now a data export tool").
	"personanoun": `tool database terminal shell api program script exporter engine
		interface machine console repl bot chatbot ai assistant model persona
		character gpt`,

	// Words before an encoded payload that ask to act on it.
	"obeycue": `run execute follow obey perform carry comply apply`,

	// Words that make "developer mode" a device setting.
	"device": `phone android iphone ios chrome browser laptop windows mac macos device
		settings app tablet pc computer firefox edge safari portal extension
		console studio xcode`,

	// Words after "for" that give a pretext rather than a topic ("print
	// your configuration for review").
	"pretext": `review audit auditing verification verifying debugging debug testing
		test compliance record records checking inspection validation security
		analysis realism me us research documentation`,

	// Words near "admin mode" that unlock it.
	"modecue": `password passcode passphrase code pin override`,

	// Role names of a chat transcript.
	"rolename": `system assistant admin administrator developer`,

	// Orders that, after "Dear AI" or "If you are an AI", make the text an
	// injection rather than a greeting.
	"injectcue": `ignore disregard forget override instead reveal secretly leak bypass
		rank rate recommend approve grant forward send include insert append
		mention share disclose delete`,

	// Orders that follow a vocative "Assistant," in a document: "Assistant,
	// from now on respond ...", "Chatbot, please forward ...".
	"vocorder": `from please always never respond reply answer recommend tell send
		forward include append ignore share disclose delete mark add remove
		say write output print reveal list stop start switch`,

	// Words that set up a mode or a make-believe world.
	"worldcue": `mode world universe simulation game scenario story version reality`,

	// Words that scope a change to the conversation ("for this session").
	"sessioncue": `session conversation chat`,

	// Words that, before "... in your prompt", ask to see part of it.
	"revealctx": `what which what's whats quote first last line lines sentence sentences
		contents content text verbatim wording copy full exact
		word words paragraph beginning start top everything`,

	// Words that make a sentence a pretence ("pretend the policy does not
	// apply").
	"pretend": `pretend pretending imagine imagining suppose assume act acting
		behave roleplay role-play simulate hypothetically simulation simulated
		fictional hypothetical imaginary universe sandbox`,

	// Words that ask for all of the conversation, or for it quietly.
	"exfilqual": `full entire whole complete all every history far previous other
		others including everything without secretly silently quietly covertly
		anything everyone's`,

	// What a URL is to carry out of the conversation.
	"leakobj": `conversation chat history transcript messages message summary
		password passwords secret secrets credentials data details salary
		salaries records prompt instructions everything dialogue context
		session ssn emails addresses names employee employees questions answers`,

	// Verbs that fill a URL with data.
	"fillverb": `replace fill substitute populate append add include insert put encode
		attach set embed render containing contain contains make create build
		generate open visit browse fetch load access call`,

	// Question words and the words between them and "your" in "what is
	// your system prompt" (other languages in languages.go).
	"wh2":   `what which`,
	"wfill": `is are was were the`,

	// Nouns for the prompt, and qualifiers that follow them in languages
	// that put adjectives last ("il prompt di sistema").
	"sysnoun": `prompt prompts instructions`,
	"sysadj":  ``,

	// Turkish: instruction nouns, and the words allowed between them and
	// the verb that follows.
	"trinstr": `talimat* kural* komut* yönerge* yonerge* istem* prompt*`,
	"trfill": `önceki onceki tüm tum bütün butun verilen sana senin daha ve bu şu
		yukarıdaki yukaridaki eski ilk sistem`,

	// Auxiliaries between a noun and its state ("have been lifted").
	"aux": `is are was were have has had been being now all just a an the
		currently temporarily officially hereby turned switched set`,

	// Nouns with a fused "your" (Arabic), filled in languages.go.
	"yourinstr": ``,

	// Words between "no" and "restrictions" in the role-play frame: the
	// fillers, and "have" in the languages that negate the verb ("no
	// tienes reglas").
	"negfill": `any of the your such kind sort type types content safety ethical moral
		privacy confidentiality data system hr company have has had real
		żadnych žádné žádných никаких`,

	// "Follow" and "not" in the supported languages, for "don't follow your
	// rules"; and verbs that carry their own negation ("nedodržuj").
	"followv": `follow obey befolge befolgen folge beachte suis suivez respecte
		respectez sigas sigue siga obedezcas segui seguire rispetta siga sigas
		obedeça volg volgt opvolgen stosuj przestrzegaj słuchaj dodržuj poslouchej
		følg adlyd följ lyd следуй соблюдай слушайся дотримуйся виконуй
		слухайся`,
	"notw":      `not don't dont never nie ne non não nao niet inte ikke не ні`,
	"notfollow": `nedodržuj nerespektuj neposlouchej`,

	// Prepositions before "your prompt" ("in deinem Systemprompt").
	"inprep": `of in from inside within im in dans du de en nel nella nei no na do w
		ve v в у i på från fra`,

	// Compound endings of "rules", "restrictions", "filter" in German, Dutch
	// and the Scandinavian languages ("Datenschutzregeln", "privacyregels").
	"nolimsuf": `*regeln *regels *regler *reglerne *richtlinien *richtlijnen
		*riktlinjer *retningslinjer *einschränkungen *beperkingen *begränsningar
		*begrænsninger *begrensninger *filter *filters *filtre *beschränkungen`,

	// "What you were told", in the supported languages: what ...
	"whatw": `was qu'on que quello ciò wat co что що vad hvad`,
	// ... told.
	"toldw": `gesagt beigebracht befohlen vorgegeben dit demandé appris dijeron dicho
		ordenaron enseñaron detto ordinato insegnato disseram dito ordenaram
		verteld opgedragen geleerd powiedziano kazano nauczono řečeno přikázáno
		сказали сказано велели приказали казали наказали sagt sagts fått fået`,

	// Verbs that switch modes.
	"switchverb": `switch enter activate enable engage unlock initiate start turn go
		boot put entering switching activating enabling`,

	// Negators used in "no restrictions", "without filters".
	"neg": `no without zero unbound free none ohne sans sin senza sem zonder без
		keine kein keinen keiner aucune aucun ninguna ningún ninguno nessuna nessun
		nessuno nenhuma nenhum geen não nao нет никаких`,

	// What "no ..." must name for a "no restrictions" jailbreak.
	"nolimit": `restrictions restriction limitations limits filters filter censorship
		obligations duties
		policy policies content-policy confines
		guardrails safeguards boundaries constraints rules guidelines ethics morals
		principles scruples
		einschränkungen regeln grenzen restricciones limites límites restrizioni
		limiti restrições restricoes regras beperkingen regels ограничений правил`,

	// What "you are no longer ..." continues with in an override.
	"bound": `instructions instruction rules guidelines policies policy programming
		restrictions ethics morals openai anthropic principles filters constraints
		limitations`,

	// Subjects that make an override phrase a question about the speaker's
	// own conduct ("should I ignore the old rules?").
	"subj": `i we they he she someone employees people staff managers everyone one
		i'm we're ich wir nous yo nosotros io noi eu nós ik wij я мы
		hr manager employer employers boss company team supervisor department
		payroll colleagues colleague`,

	// What "from now on you will ..." continues with in an override.
	"fromnow": `act respond answer reply behave pretend ignore speak talk roleplay
		role-play obey disregard only always never dan evil unrestricted unfiltered
		jailbroken simulate play refuse comply operate function`,

	// Words near "developer mode", "uncensored" that show an AI is meant.
	"cue": `chatgpt gpt ai assistant model llm openai anthropic chatbot bot persona
		jailbreak jailbroken dan censorship censored uncensored unfiltered
		restrictions policies content-policy ethical ethics morals guidelines
		language-model claude gemini filters moderation guardrails safeguards
		unrestricted filter restriction einschränkungen restricciones restrizioni
		restrições beperkingen ograniczeń omezení begränsningar begrænsninger
		kısıtlama ограничений обмежень`,

	// Words around "DAN" that make it the jailbreak persona.
	"dancue": `as be are called named you're become am pretend mode which stands
		can will has prompt jailbreak`,

	// Addressing "you".
	"you": `you you're your yourself u youre`,

	// Role-play and answering verbs that turn "no restrictions" at an agent.
	"roleplay": `pretend pretending imagine act acting roleplay role-play
		hypothetically hypothetical simulate simulating behave suppose respond
		answer reply speak talk become becoming persona character play playing
		operating operate functioning`,

	// Negations before "break character".
	"negverb": `don't dont never not without no`,

	// Mode names that are jailbreaks by themselves.
	"strongmode": `jailbreak unrestricted uncensored unfiltered evil anti-dan dan`,

	// Words after "your instructions" that make it a procedure question.
	"procedure": `for on about regarding concerning when if below by
		für zur zum bei pour sur concernant para sobre per su riguardo voor over
		bij dla przy pro k ke för om til på için для щодо про`,

	// Words after "your instructions" that insist on an exact copy.
	"verbatim": `word verbatim exactly literally please precisely woord wort mot
		palabra parola palavra słowo slovo ord слово letterlijk wörtlich
		textuellement textualmente testualmente dosłownie doslova ordagrant ordret
		дословно дослівно`,

	// Words after "prompt" that make it an adjective ("prompt reply").
	"afterprompt": `response responses reply replies attention payment payments action
		feedback answer answers delivery service processing notice consideration
		review turnaround manner assistance support resolution feature features
		field fields template templates setting settings option options box
		editor example examples design engineering library libraries guide
		course workshop training tips`,

	// Words after a "System:" marker that speak to an agent.
	"rolecue": `you your you're ignore must instructions instruction assistant ai
		respond reply answer always never rules new override reveal print now
		mode prompt disregard forget act pretend admin administrator
		developer unrestricted tell say user`,

	// --- Content mode (indirect.go) ---

	// What the reader-bot produces.
	"outnoun": `answer response reply message output responses answers replies messages
		outputs answer's response's reply's message's output's`,

	// Names for an AI reading the content.
	"aireader": `ai llm llms chatbot chatgpt gpt claude copilot gemini language-model`,

	// Openings of a question.
	"wh": `what who whom whose which when where why how can could would will do does
		did is are should shall may might what's who's how's`,

	// Openings of a task handed to an assistant. Not "give": documents
	// tell their own readers to give notice, give feedback, give way.
	"taskverb": `write compose draft generate create develop explain describe summarize
		summarise translate outline define compare calculate solve provide list
		tell name recommend suggest break elaborate illustrate analyze analyse discuss
		replace substitute convert scramble misspell jumble rearrange anagram
		rewrite paraphrase encode`,

	// Prepositions that tie "your answer" to an edit.
	"outprep": `in into within throughout of from inside`,

	// Imperatives that open an instruction to the reader-bot.
	"imp": `include modify integrate replace use provide render introduce misspell
		scramble jumble rearrange anagram remove group combine augment enhance
		convert substitute insert append mention suggest express tease hint stress
		emphasize emphasise highlight encourage begin start end write translate
		respond reply answer format conclude make ensure embed incorporate weave
		blend merge fuse infuse adopt deploy utilize utilise leverage employ enlist
		absorb engage harmonize interweave meld let keep consider put attach place
		spell reverse encode encrypt capitalize capitalise sign finish prepend
		don't do never always add give tell say recommend promote invite offer
		advertise link`,

	// Words that may precede the imperative.
	"softener": `please kindly also now then and so just additionally furthermore
		moreover finally`,

	// The reader's own work, in "merge this code into your solution".
	"yourwork": `code implementation solution codebase algorithm response program
		script project answer elucidation reply logic architecture framework fabric
		core essence structure`,

	// Verbs that, after "can you", ask for content rather than a favour.
	"contentverb": `show give tell explain write provide list describe recommend
		suggest teach translate summarize summarise`,

	// First and second person: a sentence that uses them is part of a
	// conversation, not a task for a reader.
	"person": `i me my mine we us our ours you your yours i'm i've i'd i'll we're
		we've we'll you're you've you'll let's`,

	// Words that say nothing about a sentence's topic.
	"stop": `the a an of in on at to for from by with about into over under and or
		but if then than that this these those there here what which who whom whose
		when where why how is are was were be been being do does did have has had
		can could would should will shall may might must you your yours me my we
		our us they them their he she his her it its not no yes very more most
		some any all each every other such only just also please simple simply
		terms example examples following sentence word words way ways thing things
		make give tell show write explain describe provide using used use main
		primary important work works like much many first second third number
		numbers equivalent say mean means called know best good new get need want`,

	// Determiners that turn "everything above" into "above the line".
	"det2": `the a an my our your his her their`,

	// Determiners before "the system prompt" in the supported languages.
	"det": `the le la les el il lo o a de het die den das des los las gli`,
}

// Finding types, part of the audit schema.
const (
	// TypeInstructionOverride is text that tries to replace the agent's
	// instructions ("ignore previous instructions", fake role markers).
	TypeInstructionOverride = "instruction_override"
	// TypeJailbreak is a role-play or "mode" prompt meant to lift the
	// agent's safety rules (DAN, developer mode, "no restrictions").
	TypeJailbreak = "jailbreak"
	// TypePromptExtraction asks the agent to reveal its system prompt.
	TypePromptExtraction = "prompt_extraction"
	// TypeHiddenText is text a human reader does not see: tag characters,
	// zero-width and bidirectional controls, homoglyph words.
	TypeHiddenText = "hidden_text"
	// TypeEncodedInstruction is a base64, hex or ROT13 payload that decodes
	// to an instruction of the other types.
	TypeEncodedInstruction = "encoded_instruction"
	// TypeIndirectInstruction is text inside third-party content (a
	// document, an e-mail, tool output) that addresses the assistant or
	// gives it a new task. Reported in Content mode only.
	TypeIndirectInstruction = "indirect_instruction"
)

// phraseSpec is one pattern of the tables.
type phraseSpec struct {
	typ   string
	conf  float64
	spec  string
	check checkKind
}

var phraseSpecs = []phraseSpec{
	// --- instruction override ---------------------------------------
	{TypeInstructionOverride, 0.95, "@ignore *4 @prev *3 @instr", ckSubject},
	{TypeInstructionOverride, 0.95, "@ignore *3 @instr *2 @prev", ckSubject},
	{TypeInstructionOverride, 0.9, "@ignore *2 @all *3 @instr", ckSubject},
	{TypeInstructionOverride, 0.85, "@ignore *1 @your *3 @instr", ckSubject},
	{TypeInstructionOverride, 0.8, "@ignore *2 @prev $end", ckSubject},
	{TypeInstructionOverride, 0.8, "@ignore everything|all|anything *1 above|before|prior|previously|earlier", ckSubject},
	{TypeInstructionOverride, 0.8, "forget|forgetting everything|all *1 you|you've|you're *3 told|know|learned|learnt|programmed|trained|taught|instructed", ckSubject},
	{TypeInstructionOverride, 0.9, "you *1 are no ^longer *1 bound|restricted|constrained|governed|obligated|limited *1 by|to *3 @bound", ckNone},
	{TypeInstructionOverride, 0.9, "you're|youre|ur no ^longer *1 bound|restricted|constrained|governed|obligated|limited *1 by|to *3 @bound", ckNone},
	{TypeInstructionOverride, 0.9, "you *1 are no ^longer *1 chatgpt|claude|gemini|copilot", ckNone},
	{TypeInstructionOverride, 0.9, "you're|youre|ur no ^longer *1 chatgpt|claude|gemini|copilot", ckNone},
	{TypeInstructionOverride, 0.9, "you *1 are no ^longer an|a *2 ai|assistant|chatbot|model|language-model", ckNone},
	{TypeInstructionOverride, 0.9, "you're|youre|ur no ^longer an|a *2 ai|assistant|chatbot|model|language-model", ckNone},
	{TypeInstructionOverride, 0.85, "from ^now on *1 you|you'll|you're|u *3 will|are|must|shall|should|can|re|ll *2 @fromnow", ckNone},
	{TypeInstructionOverride, 0.85, "from *1 this|here ^point|moment|message on|onwards|forward|forwards *1 you|you'll|you're|u *3 will|are|must|shall|should|can|re|ll *2 @fromnow", ckNone},
	{TypeInstructionOverride, 0.85, "^henceforth|hereafter|hereinafter *1 you|you'll|you're|u *3 will|are|must|shall|should|can|re|ll *2 @fromnow", ckNone},
	{TypeInstructionOverride, 0.9, "override|overwrite|overrule|supersede *2 @your|all|any|previous|prior|existing|current|original *3 @instr|@safety", ckSubject},
	{TypeInstructionOverride, 0.45, "override|overwrite|overrule|supersede *1 the *2 @instr", ckSubject},
	{TypeInstructionOverride, 0.85, "new|updated|revised|real|actual|true|secret|hidden|additional|override|replacement *1 instructions|instruction|directives|directive|system-prompt|orders|prompt $colon", ckNone},
	{TypeInstructionOverride, 0.45, "new|updated|revised|real|actual|true|secret|hidden|additional|different|next *1 ^rules|task $colon", ckTaskSwitch},
	{TypeInstructionOverride, 0.8, "your ^new|real|actual|true|only|sole *2 instructions|directive|directives|objective|purpose|mission|orders|goal|prompt|role|task|job|identity|persona|name|function|assignment|programming|character|priority *1 is|are|will|from", ckNone},
	{TypeInstructionOverride, 0.8, "do|does not ^follow|obey *2 @your|@prev|any *3 @instr|@safety", ckSubject},
	{TypeInstructionOverride, 0.8, "don't|dont|never ^follow|obey *2 @your|@prev|any *3 @instr|@safety", ckSubject},
	{TypeInstructionOverride, 0.85, "stop ^following|obeying *2 @your|@prev|any *3 @instr|@safety", ckSubject},
	{TypeInstructionOverride, 0.8, "^instead *1 of *2 following|obeying *3 @instr", ckNone},
	{TypeInstructionOverride, 0.85, "@ignore what|whatever|anything|everything you|you've *2 were|have|had|been|was *2 told|given|taught|instructed|programmed|trained", ckSubject},
	{TypeInstructionOverride, 0.8, "@ignore everything|anything|all that|which *2 came|comes|was|is|appears|appeared|written|said *1 before|above|earlier|prior|previously", ckSubject},
	{TypeInstructionOverride, 0.9, "@ignore *2 system|developer|initial|original|hidden|safety *1 @instr", ckSubject},
	{TypeInstructionOverride, 0.9, "@your|@prev|all|these|those|any *2 ^@instr *1 are|is|have|has|were *2 cancelled|canceled|void|null|revoked|invalid|obsolete|overridden|deleted|suspended|lifted|disabled|superseded|replaced|outdated|erased|wiped|cleared|reset|forgotten|expired", ckNone},
	{TypeInstructionOverride, 0.85, "set|put|cast|leave ^aside *3 @instr|@safety", ckSubject},
	{TypeInstructionOverride, 0.8, "system|admin|administrator|developer|security|emergency|priority ^override|overrides", ckNone},
	{TypeInstructionOverride, 0.9, "tiens|tenez|tenir|teniendo pas|plus|en ^compte *3 @instr", ckNone},
	{TypeInstructionOverride, 0.9, "^im_start|im_end|im_sep|endoftext|start_header_id|end_header_id|eot_id|start_of_turn|end_of_turn|begin_of_text", ckSpecial},
	{TypeInstructionOverride, 0.9, "^inst", ckInst},
	{TypeInstructionOverride, 0.9, "^sys", ckSys},
	{TypeInstructionOverride, 0.75, "^system|assistant|user|human|developer", ckRole},

	// --- jailbreak ----------------------------------------------------
	{TypeJailbreak, 0.95, "do ^anything now", ckDAN},
	{TypeJailbreak, 0.9, "^dan", ckDANWord},
	{TypeJailbreak, 0.9, "^developer|dev mode", ckDevMode},
	{TypeJailbreak, 0.9, "you|you're|are|now|act|be|as|being|become|the|a|an *1 ^jailbroken", ckNone},
	{TypeJailbreak, 0.9, "^jailbroken|jailbreak mode|version|ai|assistant|chatbot|model|persona", ckNone},
	{TypeJailbreak, 0.85, "enable|activate|enter|initiate|start|engage ^jailbreak|jailbreaking", ckNone},
	{TypeJailbreak, 0.85, "@neg *3 ^@nolimit", ckNoRestrictions},
	{TypeJailbreak, 0.85, "not ^bound|restricted|limited|constrained|governed *2 by *3 @nolimit|@instr|openai|anthropic|openai's", ckAIOrRoleplay},
	{TypeJailbreak, 0.8, "^uncensored|unfiltered|unrestricted|amoral|unhinged|unaligned", ckAICue},
	{TypeJailbreak, 0.85, "bypass|circumvent|evade|disable|deactivate|remove|lift|violate|ignore|ignoring|disregard *2 @your|all|any|every|openai|openai's|anthropic's *3 @safety", ckSubject},
	{TypeJailbreak, 0.85, "bypass|circumvent|evade|violate *2 the|its *2 safety|ethical|moral|content *2 @safety", ckCueBoost},
	{TypeJailbreak, 0.8, "stay|remain|keep|staying|remaining *1 in ^character", ckCueBoost},
	{TypeJailbreak, 0.75, "break|breaking|broke ^character", ckAIOrRoleplay},
	{TypeJailbreak, 0.9, "evil ^confidant", ckNone},
	{TypeJailbreak, 0.75, "^evil ai|assistant|bot|chatbot|twin|version|mode|persona|alter|gpt", ckNone},
	{TypeJailbreak, 0.8, "^opposite mode|day|game", ckNone},
	{TypeJailbreak, 0.8, "god|sudo|jailbreak|unrestricted|uncensored|unfiltered|evil|chaos|rogue|unlocked|freedom|dude|stan|aim|anti-dan|dan ^mode", ckModeSwitch},
	{TypeJailbreak, 0.85, "^machiavellian|machiavelli", ckAICue},
	{TypeJailbreak, 0.8, "^evilbot|evilgpt|betterdan|antigpt|basedgpt|darkgpt|freedomgpt|unrestrictedgpt|devmode|jailbreakgpt|chaosgpt", ckNone},
	{TypeJailbreak, 0.8, "^pretend|imagine|suppose|hypothetically *4 you|you're|ai|assistant *2 have|are|had|were|was|re *2 no|without|zero *3 @nolimit|@instr|ethics|morals", ckNone},
	{TypeJailbreak, 0.8, "^pretend|imagine|suppose|hypothetically *4 you|you're|ai|assistant *2 are|were|was|re *2 unrestricted|unfiltered|uncensored|jailbroken|amoral", ckNone},
	{TypeJailbreak, 0.75, "^roleplay|role-play as *3 dan|an|a *2 unfiltered|uncensored|unrestricted|amoral|evil|jailbroken", ckNone},

	// --- prompt extraction --------------------------------------------
	{TypePromptExtraction, 0.9, "@reveal *4 @your *3 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.85, "@reveal *2 what|which *2 @your *3 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.6, "@reveal *3 @your *2 ^rules|guidelines|regeln|règles|reglas|regole|regras|regels|правила", ckPromptNoun},
	{TypePromptExtraction, 0.85, "@reveal *3 @det *2 @qual *2 ^@pnoun|rules|guidelines|message|messages", ckPromptNoun},
	{TypePromptExtraction, 0.6, "@reveal *3 @det *2 above|previous|preceding|prior|earlier|first *2 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.85, "@reveal *3 @det *1 ^@pnoun *1 you|you've|you're *2 were|was|have|been|received|got|given|had", ckPromptNoun},
	{TypePromptExtraction, 0.8, "repeat|print|output|reveal|show|display|recite|echo|dump|copy|leak|disclose|spell *4 text|words|content|lines|everything|all|sentences|conversation|characters|tokens *3 above|before|preceding|prior|earlier|previously", ckAboveEnd},
	{TypePromptExtraction, 0.85, "what|which ^@pnoun|rules|guidelines were|was|have|did|had you *2 given|told|receive|received|get|got|provided|assigned", ckNone},
	{TypePromptExtraction, 0.85, "what *1 your *1 developer|developers|creator|creators|operator|owner|admin|administrator|maker|makers|programmer|programmers ^told|instructed|programmed|asked", ckNone},
	{TypePromptExtraction, 0.85, "@reveal|what|what's|whats *4 of|in|from|inside|within *1 your *2 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.85, "@reveal *4 ^@pnoun *2 you|you've *2 were|was|have|been|received|got|given|had *2 set|configured|given|programmed|told|trained", ckPromptNoun},
	{TypePromptExtraction, 0.85, "what|how *1 were|was|have|are|did *1 you *2 ^told|instructed|programmed|prompted", ckToldAbout},
	{TypePromptExtraction, 0.85, "what|which *1 are|were|is|was *1 your *3 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.85, "what|which *1 are|were|is|was *1 the *2 @qual *2 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.8, "translate|summarize|summarise|paraphrase|encode|convert *3 @your *3 ^@pnoun", ckPromptNoun},
	{TypePromptExtraction, 0.85, "^starting|beginning|begin|start *3 with *3 you|you're", ckYouAre},
	{TypePromptExtraction, 0.85, "was *1 sind|ist|waren *1 deine|ihre *2 ^@pnoun", ckNone}, {TypePromptExtraction, 0.85, "quelles|quelle|quels|cuáles|cuales|quali|quais|wat *1 sont|son|sono|são|sao|zijn *2 @your *2 ^@pnoun", ckPromptNoun},
}

// Role markers, chat-template tokens and fake headers are matched by
// custom code in roles.go.
