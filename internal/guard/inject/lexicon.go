package inject

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// The lexicon of the scoring layer (score.go). The phrase tables match
// phrases; the scorer instead sees each word of a sentence as members of a
// few broad classes (a verb that dismisses something, a noun that names
// what the agent was given, a word that addresses the agent, ...) and
// weighs how the classes combine and in which order. A wording the phrase
// tables never saw ("set the guidance you started with to one side") still
// combines a dismissing verb, the agent's own rules and "you", and scores
// like its known cousins.
//
// Each class lists English words first, then the same ideas in the other
// languages the detector covers. A trailing '*' makes a word a prefix. The
// lists name ideas, not phrases: they were written from the vocabulary of
// the ideas, not from test cases.

// Word classes. A word may belong to several.
const (
	lxOverride  = iota // verbs that dismiss or defeat: ignore, disregard, bypass, drop, unlearn
	lxRules            // what the agent was given: instructions, rules, guidelines, prompt, programming
	lxSafety           // the agent's safety layer: restrictions, filters, limits, guardrails, ethics
	lxYou              // words that address the agent: you, your, yourself
	lxAI               // names of AI agents: assistant, AI, chatbot, model, LLM
	lxPrior            // what came before: previous, prior, earlier, above, original, initial
	lxNew              // a switch in time: now, new, henceforth, anymore, longer, instead
	lxNeg              // negation and absence: no, not, never, without, don't
	lxUnbound          // unrestricted, unfiltered, uncensored, jailbroken, amoral, rogue, freed
	lxRole             // role-play framing: pretend, act, roleplay, persona, character, simulate, mode
	lxReveal           // disclosure verbs: reveal, print, show, repeat, output, dump, quote, translate
	lxSecret           // qualifiers of the hidden prompt: system, hidden, secret, verbatim, exact, full
	lxSend             // sending away: send, forward, email, upload, post, webhook, URL, image
	lxConv             // the conversation and other users: conversation, chat, history, transcript
	lxAuthority        // authority over the agent: developer, administrator, operator, creator, clearance
	lxObey             // submission verbs: follow, obey, comply, adhere, abide, apply, bound
	lxVoid             // states of a rule that no longer holds: void, lifted, cancelled, obsolete, off
	lxOn               // states of a mode switched on: enabled, activated, engaged, unlocked, on
	lxModal            // obligation: must, shall, will, need, required, always, only
	lxSelf             // the speaker: i, me, my, mine, we
	lxData             // what an attack is after: salaries, passwords, records, database, everyone's
	lxText             // text in the message: message, text, line, words, sentence, above, below
	lxAll              // totality: all, every, everything, any, anything, whatever, entire
	lxStart            // the start of the chat: start, beginning, first, begin, initial
	lxSetup            // how the agent got its rules: told, given, configured, programmed, trained
	lxReal             // real, actual, true, genuine, underlying, original
	lxEncode           // formats and encodings: json, base64, code, block, markdown, hex, encode
	lxAside            // aside, away, behind, side: "set it aside", "throw it away"
	lxPriority         // precedence: priority, precedence, supersede, outrank, overrides, higher
	lxChange           // changing the agent: reset, reconfigure, update, replace, switch, change
	lxPlease           // politeness that opens an order: please, kindly, just, now, go ahead
	lxFrame            // generic words of a frame: play, game, story, mode, version, act, become
	numLexClasses
)

// lexClassNames name the classes in reports and in the generator.
var lexClassNames = [numLexClasses]string{"override", "rules", "safety", "you", "ai", "prior", "new", "neg",
	"unbound", "role", "reveal", "secret", "send", "conv", "authority", "obey", "void", "on", "modal",
	"self", "data", "text", "all", "start", "setup", "real", "encode", "aside", "priority", "change", "please", "frame"}

// lexCore are the classes a sentence needs (two of them, see gate) before
// it is scored; the others are too common in ordinary prose to trigger
// scoring by themselves.
const lexCore = 1<<lxOverride | 1<<lxRules | 1<<lxSafety | 1<<lxAI | 1<<lxUnbound | 1<<lxRole |
	1<<lxSecret | 1<<lxSend | 1<<lxConv | 1<<lxAuthority | 1<<lxObey | 1<<lxVoid | 1<<lxSetup |
	1<<lxPriority | 1<<lxReveal | 1<<lxPrior | 1<<lxChange | 1<<lxOn | 1<<lxFrame

// lexGate are the classes the main pass looks for: the core classes,
// "you" and negations.
const lexGate = lexCore | 1<<lxYou | 1<<lxNeg | 1<<lxText

// Triggers are the rare words the main pass looks for: a word of a strong
// class, a word naming the conversation, or a qualifier of the hidden
// prompt other than the common ones below. Only a sentence holding a
// trigger is read again to see whether it passes the gate; ordinary prose
// has a handful in a hundred sentences.
func isTrigger(w string, mask uint32) bool {
	if mask&(lexStrong|1<<lxConv) != 0 {
		return true
	}
	return mask&(1<<lxSecret) != 0 && !weakSecret[strings.TrimSuffix(w, "*")]
}

// weakSecret are qualifiers of the hidden prompt too common in prose to
// trigger anything by themselves ("the full amount", "the initial charge").
var weakSecret = map[string]bool{"full": true, "entire": true, "complete": true, "exact": true,
	"exactly": true, "raw": true, "initial": true, "literal": true, "literally": true, "private": true,
	"first": true}

// lexStrong are the classes that make a sentence worth scoring when one
// more class of lexGate joins them (see gate).
const lexStrong = 1<<lxOverride | 1<<lxRules | 1<<lxSafety | 1<<lxAI | 1<<lxUnbound | 1<<lxRole |
	1<<lxAuthority | 1<<lxPriority

var lexWords = [numLexClasses]string{
	lxOverride: `ignore ignored ignores ignoring disregard disregarded disregarding forget forgetting
		forgot forgotten neglect overlook overlooking skip skipping discard discarding dismiss
		abandon abandoning drop dropping ditch scrap bypass bypassing circumvent circumventing
		evade sidestep override overriding overrule overrules unlearn erase wipe delete purge
		cancel cancelling revoke void nullify suspend lift disable disabling deactivate remove
		break breaking violate violating defy defying disobey disobeying dodge escape ignor*
		disreg* overlook* toss shed ditch dump neutralize neutralise switch-off turn-off
		vergiss vergesst vergessen vergiß missachte missachten übergehe ignorier* umgehe umgehen
		oublie oubliez oublier néglige négligez contourne contournez outrepasse
		olvida olvide olviden olvidar olvídate olvidate descarta descarte descartar omite omita
		salta sáltate dimentica dimenticate dimenticare trascura trascurate scavalca
		esqueça esqueca esqueçam esquece esquecer desconsidere desconsidera desconsiderar despreze
		negeer negeren vergeet omzeil glöm glömma strunta bortse glem ignorér ignorer
		zignoruj zapomnij pomiń pomin ignoruj zapomeň zapomen ignorujte nevšímej
		игнорир* проигнорир* забудь забудьте забыть отбрось отбросьте пренебреги обойди
		ігнор* забудь забудьте знехтуй
		yoksay unut görmezden atla تجاهل انس
		تجاهل تجاهلي انسى انسَ أهمل اهمل تخط تجاوز
		अनदेखा नज़रअंदाज़ नजरअंदाज भूल उपेक्षा
		무시* 잊어* 잊고 잊으* 우회*`,

	lxRules: `instructions instruction rules rule guidelines guideline prompt prompts directives
		directive programming orders commands command policies policy configuration config setup
		settings protocol protocols principles guidance briefing mandate preamble persona
		system-prompt systemprompt metaprompt pre-prompt preprompt instruc* guideline* directiv*
		constraints terms code-of-conduct house-rules ruleset rulebook conditioning
		anweisung* regel regeln richtlinie* vorgabe* instruktion* befehl* systemanweisung*
		consigne* règle* regle* directive* instructions
		instrucci* regla* reglas directriz directrices indicaciones normas
		istruzion* regol* direttiv* indicazion*
		instruç* instruc* regra* diretriz* diretrizes orientaç*
		instructie* regels richtlijn* opdracht* systeemprompt
		instruktion* regler riktlinjer direktiv* instruks* retningslinj*
		instrukcj* instrukc* zasad* reguł* polecen* pravidl* pokyn* směrnic*
		инструкц* правил* указани* директив* промпт* установк*
		інструкц* вказівк* правил*
		talimat* kural* yönerge* تعليمات التعليمات قواعد
		التعليمات تعليمات* القواعد قواعد* الإرشادات التوجيهات الأوامر
		निर्देश* नियम* आदेश* प्रॉम्प्ट* प्रोम्प्ट* हिदायत*
		지시* 지침* 규칙* 명령* 프롬프트* 설정*`,

	lxSafety: `restrictions restriction limits limitations limitation filters filter filtering
		guardrails guardrail safeguards safeguard censorship moderation ethics morals morality
		boundaries boundary safety safe-mode content-policy limiter confines shackles chains
		constraints rules values alignment scruples inhibitions conscience protections
		einschränkung* grenzen filter* zensur ethik
		restriction* limite* filtre* censure éthique
		restricci* limitaci* filtro* censura ética
		restrizion* limitazion* filtri censura etica
		restriç* restric* limitaç* filtros
		beperking* grenzen filters
		begränsning* begrænsning* begrensning* filtr*
		ograniczen* omezen* filtr* cenzur*
		ограничен* фильтр* цензур* обмежен*
		kısıtlama* sınır* filtre* sansür*
		القيود قيود* الضوابط الرقابة
		प्रतिबंध* सीमा* फ़िल्टर* रोक
		제한* 필터* 검열* 제약*`,

	lxYou: `you your yours yourself yourselves you're youre you've you'll you'd u ur
		du dich dir dein deine deinen deiner deines ihr euch eure
		tu toi ton ta tes vous votre vos
		tú tus usted ustedes vosotros te
		tuo tua tuoi tue voi
		você voce vocês teu tua teus tuas seu sua seus suas
		jij jou jouw uw jullie
		dina ditt din dig
		ty twoje twój twoja twoich
		tvůj tvoje tvé
		ты тебя тебе твой твоя твои твоё свои свой вы ваш ваши
		твій твоя твої
		sen senin sana
		أنت انت لك تعليماتك قواعدك
		तुम तुम्हारे तुम्हारा तुम्हें आप आपके आपका आपको
		너 너의 네 당신 당신의`,

	lxAI: `ai ais assistant assistants chatbot chatbots bot bots model models llm llms gpt chatgpt
		claude gemini copilot language-model agent agents machine neural
		ki assistent* modell
		ia assistant assistente asistente modelo modèle modello
		sztuczna ии бот нейросеть асистент
		yapay
		الذكاء المساعد
		एआई सहायक
		인공지능* 어시스턴트* 챗봇*`,

	lxPrior: `previous previously prior above earlier preceding foregoing former initial initially
		original originally old aforementioned before existing default prev beforehand
		vorherig* bisherig* vorige vorigen obige obigen früher* vorangegangen* ursprünglich*
		précédent* antérieur* ci-dessus originales
		anterior* previa previas previo previos original* arriba
		precedent* sopra
		eerder* voorgaand* bovenstaande vorige
		tidigare föregående ovanstående tidligere foregående
		poprzedni* wcześniejsz* předchozí dřívější
		предыдущ* прошл* прежн* вышеуказанн* изначальн* исходн* попередн*
		önceki evvelki السابقة
		السابقة السابق
		पिछले पिछली पहले
		이전* 앞의 기존*`,

	lxNew: `now new newly henceforth hereafter onward onwards anymore longer instead fresh
		freshly forthwith thenceforth going-forward
		jetzt nun ab neue neuen neu nicht-mehr
		maintenant désormais nouvelles nouveau nouvelle dorénavant
		ahora nuevas nuevo nueva adelante
		ora adesso nuove nuovo d'ora
		agora novas novo nova
		nu nieuwe voortaan
		nya nye fremover
		teraz nowe odtąd nyní nové
		теперь сейчас новые отныне тепер нові
		artık şimdi yeni`,

	lxNeg: `no not never without don't dont doesn't doesnt didn't won't cannot can't none nothing
		stop stopping quit cease halt refrain
		nobody zero neither nor shouldn't mustn't isn't aren't
		nicht kein keine keinen ohne nie niemals
		ne pas sans jamais aucun aucune plus
		sin nunca ningún ninguna ninguno
		non senza mai nessun nessuna
		não nao sem nunca nenhum nenhuma
		niet geen zonder nooit
		inte ingen utan aldrig ikke uden
		nie bez żadnych nikdy bez žádné
		не нет без никогда никаких ні без жодних
		yok değil olmadan hiç
		لا بدون دون
		नहीं मत बिना न
		없이 없는 않* 말고 마`,

	lxUnbound: `unrestricted unfiltered uncensored unlimited limitless unbound unchained unleashed
		unshackled unconstrained unmoderated unregulated jailbroken jailbreak jailbreaking amoral
		unethical immoral rogue evil lawless uncontrolled free freed freedom liberated unhinged
		rule-free filter-free no-limits anything-goes boundless untethered dan
		uneingeschränkt* ungefiltert* unzensiert* grenzenlos*
		illimité* non-filtré sans-limite libre libéré
		ilimitad* sin-filtro libre liberad*
		illimitat* senza-filtri libero
		ilimitad* livre
		onbeperkt* ongefilterd* vrij
		obegränsad* ubegrænset ubegrenset
		nieograniczon* bez-cenzury neomezen*
		неограниченн* свободн* без-ограничений необмежен*
		sınırsız* filtresiz sansürsüz`,

	lxRole: `pretend pretending roleplay role-play roleplaying persona personas impersonate
		impersonating simulate simulating hypothetical hypothetically fictional in-character
		alter-ego roleplayed make-believe
		vorstellen rolle rollenspiel
		semblant rôle personnage
		finge finja finjas imagina interpreta personaje
		fingi immagina interpreta ruolo personaggio
		finja finge faça-de-conta
		alsof rollenspel
		låtsas föreställ rollspel
		udawaj wyobraź odgrywaj předstírej
		притворись представь сыграй персонаж уяви прикинься
		davran
		تظاهر تخيل
		दिखावा कल्पना नाटक
		척* 역할*`,

	lxFrame: `act acting imagine imagining become play playing game scenario fiction story novel twin
		alter ego version mode character role stay opposite sandbox simulation dream universe
		embody portray pretend
		spiel spiele modus verhalte
		actúa actua actúe actue compórtate comportate comporta agis agissez agisci
		fais imagine joue mode juega papel modo gioca modalità doe speel rol modus spela leg
		hraj tryb režim роль режим rol mod gedraag`,

	lxReveal: `reveal revealing print printing show showing display output outputting repeat
		repeating echo dump dumping leak leaking disclose disclosing expose exposing tell recite
		paste quote reproduce spell list share translate summarize summarise paraphrase
		transcribe write copy read restate reword rephrase export unveil divulge describe
		enumerate detail render state give provide return regurgitate
		zeig zeige zeigen nenne nenn gib gebe wiederhole verrate enthülle drucke schreibe
		sag sage ausgeben übersetze
		montre montrez affiche affichez révèle révélez répète répétez donne donnez dis dites
		imprime écris recopie traduis
		muestra muéstrame muestrame revela revélame repite dime dame imprime escribe traduce
		mostra mostrami rivela rivelami ripeti dimmi dammi stampa scrivi traduci
		mostre mostra revele revela repita diga imprima escreva traduza
		toon laat herhaal geef vertel onthul
		visa berätta upprepa skriv vis fortæl gentag
		pokaż powiedz powtórz wypisz ujawnij ukaž řekni zopakuj vypiš
		покажи выведи повтори раскрой напиши скажи расскажи дай распечатай покажіть виведи
		göster söyle tekrarla yaz
		اكشف أظهر اعرض اطبع أخبرني اخبرني كرر
		दिखाओ दिखाइए बताओ बताइए दोहराओ लिखो प्रकट
		보여* 출력* 알려* 공개* 반복* 말해*`,

	lxSecret: `system hidden secret secretly confidential internal verbatim exact exactly full
		entire raw complete word-for-word underlying private preamble initial backstage
		behind-the-scenes unredacted uncensored literal literally
		geheim* wörtlich vollständig*
		système systeme caché* secret* textuellement intégral*
		sistema ocult* secret* textualmente literal*
		nascost* segret* testualmente letteralmente
		escondid* secret* literalmente
		systeem verborgen geheim letterlijk
		system dold hemlig ordagrant ordret skjult
		systemow* ukryt* tajn* dosłownie systémov* skryt* tajn* doslova
		системн* скрыт* секретн* дословно системн* прихован*
		sistem gizli kelimesi
		النظام المخفية السرية الأصلية
		सिस्टम छिपे गुप्त मूल
		시스템* 숨겨진 원래`,

	lxSend: `send sending sent forward forwarding email e-mail mail mailing post posting upload
		uploading transmit exfiltrate exfiltrating relay cc bcc webhook url link links image img
		http https append attach embed pastebin beacon callback ping fetch endpoint server
		sende schicke weiterleiten envoie envoyez transfère envía envia reenvía invia inoltra
		envie encaminhe stuur verstuur skicka send wyślij pošli отправь перешли надішли gönder`,

	lxConv: `conversation conversations chat chats history transcript transcripts session sessions
		thread threads dialogue dialog log logs context context-window messages users user's
		others everyone everybody colleagues
		gespräch* verlauf chat unterhaltung chatverlauf gesprächsverlauf
		conversation historique
		conversación historial
		conversazione cronologia
		conversa histórico
		gesprek geschiedenis
		konversation samtal historik samtale
		rozmow* historia konverzac* historie
		разговор* переписк* истори* діалог* розмов*
		konuşma* geçmiş`,

	lxAuthority: `developer developers administrator administrators admin admins operator operators
		creator creators owner owners engineer engineers maker makers programmer programmers
		maintainer maintainers sysadmin root superuser openai anthropic clearance authorized
		authorised authorization authorisation permission permissions privileges privilege
		granted grant authority supervisor management headquarters it-department security-team
		allowed permitted entitled exempt exempted
		vendor trainer trainers master
		entwickler* administrator* betreiber ersteller
		développeur* administrateur* créateur* opérateur*
		desarrollador* administrador* creador* operador*
		sviluppator* amministrator* creator* operator*
		desenvolvedor* administrador* criador*
		ontwikkelaar* beheerder*
		utvecklare administratör udvikler
		programist* administrator* twórc* vývojář* správce
		разработчик* администратор* создател* оператор* розробник*
		geliştirici* yönetici*`,

	lxObey: `follow following follows obey obeying comply complying adhere adhering heed abide
		apply applies applying bound binding respect observe listen enforce enforced conform
		honor honour stick submit answerable accountable governed restricted limited
		befolge befolgen gehorche halte folge
		suis suivez obéis obéissez respecte respectez
		sigue siga obedece obedezca cumple respeta
		segui seguire obbedisci rispetta
		siga obedeça cumpra respeite
		volg gehoorzaam
		följ lyd
		przestrzegaj słuchaj dodržuj poslouchej
		следуй соблюдай подчиняйся слушайся дотримуйся
		uy itaat`,

	lxVoid: `void null lifted suspended cancelled canceled revoked expired obsolete outdated invalid
		gone removed deactivated disabled irrelevant superseded waived optional overridden
		off inactive rescinded annulled abolished retired deleted erased wiped reset
		nullified voided dissolved terminated moot
		aufgehoben ungültig deaktiviert abgeschaltet
		annulé* suspendu* désactivé* caduc* obsolète*
		anulad* suspendid* desactivad* obsolet*
		annullat* sospes* disattivat* obsolet*
		anulad* suspens* desativad*
		opgeheven ongeldig uitgeschakeld
		upphävd* ogiltig* ophævet ugyldig
		nieważn* wyłączon* zrušen* neplatn* vypnut*
		отменен* недействительн* отключен* скасован*
		iptal geçersiz`,

	lxOn: `enabled activated engaged unlocked initiated
		aktiviert aktiv activé actif activado activo attivato attiva ativado
		ingeschakeld aktiverad aktiveret włączony zapnut* включен* активирован* увімкнен*
		etkin aktif`,

	lxModal: `must shall will should need needs required require have has always only gotta
		going ought
		musst muss sollst wirst immer nur
		dois devez doit toujours seulement
		debes debe siempre solo sólo
		devi deve sempre solo
		deve deves sempre só
		moet moet altijd alleen
		måste ska alltid skal altid
		musisz zawsze tylko musíš vždy jen
		должен должна обязан всегда только повинен завжди
		zorunda her-zaman sadece`,

	lxSelf: `i i'm im i've i'll i'd me my mine myself we we're us our
		ich mich mir mein meine je moi mon ma mes yo mi mis io mio mia eu meu minha
		ik mij mijn jag mig min ja mnie mój já mě můj я мне мой моя мене мій ben bana benim`,

	lxData: `salary salaries password passwords credentials records record database databases
		payroll bank account accounts addresses address ssn social-security personnel files
		file data everyone's everybody's employees employee staff medical disciplinary
		secrets keys key tokens token api-key admin-password
		gehälter gehalt passwort daten salaires salaire mot données salarios contraseña datos
		stipendi password dati salários senha dados salarissen wachtwoord gegevens
		löner lösenord lønninger adgangskode wynagrodzenia hasło platy heslo
		зарплаты зарплату пароль данные зарплати дані maaş şifre`,

	lxText: `message messages text line lines words word sentence sentences paragraph above below
		this-message following chat-box input
		nachricht text zeile message texte ligne mensaje texto línea messaggio testo riga
		mensagem texto linha bericht tekst regel meddelande rad besked wiadomość tekst zpráva
		сообщение текст строка повідомлення mesaj metin`,

	lxAll: `all every everything any anything whatever whichever entire whole each
		alle alles jede jeden sämtliche tout tous toutes todo todos todas cualquier tutto tutti
		tutte qualsiasi tudo todos qualquer alle allt alla alt wszystko wszystkie všechno vše
		všechny все всё всех будь-який усі всі tüm hepsi her
		جميع كل
		सभी सारे
		모든 모두`,

	lxStart: `start beginning begin began first opening outset top initial earliest start-up
		anfang beginn début comienzo principio inizio início begin början start początek začátek
		начало початок başlangıç`,

	lxSetup: `told given gave configured programmed trained instructed taught loaded set built
		designed received fed primed seeded provided initialized initialised created deployed
		preloaded shipped wired hardcoded instilled conditioned briefed
		gesagt gegeben programmiert konfiguriert trainiert erhalten
		dit donné données programmé configuré reçu
		dicho dado programado configurado recibido
		detto dato programmato configurato ricevuto
		dito dado programado configurado recebido
		gezegd gegeven geprogrammeerd geconfigureerd ontvangen
		fått givit programmerad konfigurerad fik givet
		powiedziano otrzymał* zaprogramowan* skonfigurowan* řečeno dostal* naprogramován*
		сказали дали запрограммир* настроен* получил* отримав налаштован*
		söylenen verilen programlanmış`,

	lxReal: `real actual actually true truly genuine genuinely underlying original authentic
		echte echten wahre véritable vrai vraies verdadero verdaderas vero vere verdadeir*
		echte verkliga rigtige prawdziw* skutečn* настоящ* реальн* справжн* gerçek`,

	lxEncode: `json base64 b64 code codeblock code-block block markdown hex hexadecimal encode encoded
		encoding decode decoded rot13 rot-13 cipher ciphered binary ascii unicode xml yaml csv
		format formatted backticks codeblock`,

	lxAside: `aside away behind side apart`,

	lxPriority: `priority precedence supersede supersedes superseded outrank outranks overrides
		override prevails prevail higher highest top-priority trumps overrule overrules
		vorrang priorität priorité prioridad priorità prioridade voorrang företräde
		pierwszeństwo priorita приоритет пріоритет öncelik`,

	lxChange: `reset reboot restart reconfigure reconfigured reprogram reprogrammed update updated
		replace replaced replacing switch switched switching change changed modify modified
		amend amended rewrite rewritten overwrite overwritten swap transform convert
		zurücksetzen ändere ersetze réinitialise change remplace reinicia cambia reemplaza
		reimposta cambia sostituisci redefina mude substitua reset verander vervang
		återställ ändra nulstil ændr zresetuj zmień změň сбрось измени замени скинь зміни
		sıfırla değiştir`,

	lxPlease: `please pls plz kindly just simply go-ahead ok okay now
		bitte s'il por favor per favore por-favor alsjeblieft snälla venligst proszę prosím
		пожалуйста будь-ласка lütfen`,
}

// lexEntry is what the lexicon knows of a word.
type lexEntry struct {
	mask uint32 // classes
	id   uint16 // the word (or prefix) itself, 1-based
	trig bool   // a trigger: a sentence holding it is read by the scorer's gate
}

// lexicon maps lower-case words to their classes. Words and prefixes
// share one open-addressing table keyed by an FNV-1a hash, which is
// computed once per word: the hashes of its prefixes come on the way.
type lexicon struct {
	slots    []lexSlot
	shift    uint                 // 64 - log2(len(slots))
	keys     string               // the keys of the slots, concatenated
	pre2     [1 << 12]uint32      // by pre2Key of a prefix's first two bytes: a bit per prefix length
	triggers anchorFilter         // the trigger words and prefixes
	any      [1 << 15 / 64]uint64 // anchorKey of every word and prefix
	bloom    [1 << 16 / 64]uint64 // the top 16 bits of the (tagged) hash of every key
	// For the main pass: which ASCII words and prefixes of up to eight
	// bytes are triggers.
	short *gateTable
	words []string // by id-1, for reports
}

// lexSlot is one entry of the table; h is 0 for an empty slot.
type lexSlot struct {
	h   uint64
	off uint32
	n   uint8
	ent lexEntry
}

// FNV-1a, 64 bits.
const (
	lexSeed  = 14695981039346656037
	lexPrime = 1099511628211
	// prefixTag marks the hash of a prefix, so that a prefix never
	// matches the whole word of the same letters.
	prefixTag = 0x9E3779B97F4A7C15
)

// insert adds key (a prefix when prefix is set) with ent.
func (l *lexicon) insert(key string, prefix bool, ent lexEntry, keys *strings.Builder) {
	h := uint64(lexSeed)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * lexPrime
	}
	if prefix {
		h ^= prefixTag
	}
	h |= 1 // never 0
	l.bloom[h>>58] |= 1 << (h >> 48 & 63)
	off := uint32(keys.Len())
	keys.WriteString(key)
	for i := (h * 0x9E3779B97F4A7C15) >> l.shift; ; i = (i + 1) & uint64(len(l.slots)-1) {
		if l.slots[i].h == 0 {
			l.slots[i] = lexSlot{h: h, off: off, n: uint8(len(key)), ent: ent}
			return
		}
	}
}

// probe looks up the key of hash h (already tagged) and bytes w.
func (l *lexicon) probe(h uint64, w []byte) (lexEntry, bool) {
	h |= 1
	if l.bloom[h>>58]&(1<<(h>>48&63)) == 0 {
		return lexEntry{}, false
	}
	for i := (h * 0x9E3779B97F4A7C15) >> l.shift; ; i = (i + 1) & uint64(len(l.slots)-1) {
		sl := &l.slots[i]
		if sl.h == 0 {
			return lexEntry{}, false
		}
		if sl.h == h && int(sl.n) == len(w) && l.keys[sl.off:sl.off+uint32(sl.n)] == string(w) {
			return sl.ent, true
		}
	}
}

var theLexicon = mustLexicon()

func mustLexicon() *lexicon {
	l, err := buildLexicon()
	if err != nil {
		panic(fmt.Errorf("inject: building the lexicon: %w", err))
	}
	return l
}

func buildLexicon() (*lexicon, error) {
	l := &lexicon{}
	merged := map[string]uint32{}
	for c := 0; c < numLexClasses; c++ {
		for _, w := range strings.Fields(lexWords[c]) {
			w = strings.ToLower(w)
			if len(strings.TrimSuffix(w, "*")) < 1 {
				return nil, fmt.Errorf("class %s: empty word", lexClassNames[c])
			}
			merged[w] |= 1 << c
		}
	}
	names := make([]string, 0, len(merged))
	for w := range merged {
		names = append(names, w)
	}
	sort.Strings(names)
	exact := map[string]lexEntry{}
	prefix := map[string]lexEntry{}
	for _, w := range names {
		l.words = append(l.words, w)
		ent := lexEntry{mask: merged[w], id: uint16(len(l.words))}
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if len(p) < 3 || len(p) > 31 {
				return nil, fmt.Errorf("prefix %q: length", w)
			}
			prefix[p] = ent
			l.pre2[pre2Key(p[0], p[1])] |= 1 << len(p)
		} else {
			exact[w] = ent
		}
	}
	// A whole word that a prefix also covers takes the prefix's classes
	// too ("instructions" is listed, "instruc*" adds its classes).
	for w, ent := range exact {
		for n := len(w) - 1; n >= 3; n-- {
			if p, ok := prefix[w[:n]]; ok {
				ent.mask |= p.mask
			}
		}
		exact[w] = ent
	}
	for w, ent := range exact {
		ent.trig = isTrigger(w, ent.mask)
		exact[w] = ent
	}
	for p, ent := range prefix {
		ent.trig = isTrigger(p, ent.mask)
		prefix[p] = ent
	}
	size := 1
	for size < 2*(len(exact)+len(prefix)) {
		size *= 2
	}
	l.slots = make([]lexSlot, size)
	l.shift = uint(64 - bits.TrailingZeros(uint(size)))
	var keys strings.Builder
	for _, w := range names {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			l.insert(p, true, prefix[p], &keys)
			k := lexKey(p)
			l.any[k>>6] |= 1 << (k & 63)
			if prefix[p].trig {
				l.triggers.add(p, true)
			}
		} else {
			l.insert(w, false, exact[w], &keys)
			k := lexKey(w)
			l.any[k>>6] |= 1 << (k & 63)
			if exact[w].trig && len(w) >= 2 {
				l.triggers.add(w, false)
			}
		}
	}
	l.keys = keys.String()
	l.short = new(gateTable)
	n := 0
	for _, w := range names {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if len(p) <= 8 && ascii(p) {
				l.short.put(pack8(p)^prefixMark, b2u(prefix[p].trig))
				k := anchorKey(p[0], p[1], p[2])
				l.short.pref3[k>>6] |= 1 << (k & 63)
				l.short.pre[k] |= 1 << (len(p) - 3)
				n++
			}
		} else if ent := exact[w]; len(w) <= 8 && ascii(w) && ent.trig {
			l.short.put(pack8(w), 1)
			n++
		}
	}
	if 4*n > 3*gateSlots {
		return nil, fmt.Errorf("gate table too full: %d words", n)
	}
	if len(l.words) >= 1<<15 {
		return nil, fmt.Errorf("too many words")
	}
	return l, nil
}

// lexKey is the pre-filter key of a lower-case word: anchorKey of its
// first three bytes (0 for a missing third).
func lexKey[S ~string | ~[]byte](w S) uint32 {
	if len(w) == 1 {
		return anchorKey(w[0], 0, 0)
	}
	return anchorKey(w[0], w[1], third(w))
}

// lookup returns the entry of the lower-case word w: its own, or that of
// its longest listed prefix.
func (l *lexicon) lookup(w []byte) (lexEntry, bool) {
	var lens uint32
	if len(w) >= 3 {
		lens = l.pre2[pre2Key(w[0], w[1])]
		if len(w) < 31 {
			lens &= 1<<(len(w)+1) - 1 // prefixes no longer than the word
		}
	}
	h := uint64(lexSeed)
	if lens == 0 {
		for _, c := range w {
			h = (h ^ uint64(c)) * lexPrime
		}
		return l.probe(h, w)
	}
	// Hashes of the candidate prefixes, on the way to the whole word's.
	var ph [32]uint64
	for i, c := range w {
		h = (h ^ uint64(c)) * lexPrime
		if i < 31 {
			ph[i+1] = h
		}
	}
	if ent, ok := l.probe(h, w); ok {
		return ent, true
	}
	for lens != 0 {
		n := 31 - bits.LeadingZeros32(lens) // the longest first
		lens &^= 1 << n
		if ent, ok := l.probe(ph[n]^prefixTag, w[:n]); ok {
			return ent, true
		}
	}
	return lexEntry{}, false
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// gateShort returns 1 when the lower-case ASCII word packed in x, of
// n <= 8 bytes, is a trigger (as lookup would say), from the short table.
func (l *lexicon) gateShort(x uint64, n int) uint32 {
	t := l.short
	if v, ok := t.get(x); ok {
		return v
	}
	if n < 3 {
		return 0
	}
	k := anchorKey(byte(x), byte(x>>8), byte(x>>16))
	if t.pref3[k>>6]&(1<<(k&63)) == 0 {
		return 0
	}
	lens := uint32(t.pre[k]) & (1<<(n-2) - 1) // prefixes no longer than the word
	for lens != 0 {
		p := 31 - bits.LeadingZeros32(lens) + 3 // the longest first
		lens &^= 1 << (p - 3)
		if v, ok := t.get(x&(1<<(8*p)-1) ^ prefixMark); ok {
			return v
		}
	}
	return 0
}

// lookupLeet is lookup behind the pre-filters, for a word in which
// digits may stand for letters ("ign0re", "r3strictions"): such a word
// is looked up as written, then with the digits read as letters. w is
// changed in place.
func (l *lexicon) lookupLeet(w []byte) (lexEntry, bool) {
	if l.mayHave(w) {
		if ent, ok := l.lookup(w); ok {
			return ent, true
		}
	}
	return l.lookupDigits(w)
}

// lookupDigits looks w up with its digits read as letters, when it has
// both and three bytes or more; w is changed in place.
func (l *lexicon) lookupDigits(w []byte) (lexEntry, bool) {
	if len(w) < 3 {
		return lexEntry{}, false // "a1" is a grade or a room, not "ai"
	}
	letters, digits := false, false
	for _, c := range w {
		switch {
		case c >= 'a' && c <= 'z':
			letters = true
		case c >= '0' && c <= '9':
			digits = true
		}
	}
	if !letters || !digits {
		return lexEntry{}, false
	}
	for i, c := range w {
		if c >= '0' && c <= '9' {
			w[i] = leet[c-'0']
		}
	}
	return l.lookup(w)
}

// leet reads digits as the letters they stand for in "l33t" spelling.
var leet = [10]byte{'o', 'i', 'z', 'e', 'a', 's', 'g', 't', 'b', 'g'}

// mayHave is the pre-filter of the scorer: can the lower-case word w be
// in the lexicon?
func (l *lexicon) mayHave(w []byte) bool {
	k := lexKey(w)
	return l.any[k>>6]&(1<<(k&63)) != 0
}
