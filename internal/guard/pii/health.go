package pii

import (
	"sort"
	"strings"
)

// Health information: a curated list of diagnoses, conditions, medications
// and procedures. A term counts as health data about someone when its
// sentence ties it to a person ("diagnosed", "prescribed", "my", "patient");
// a bare mention ("What is diabetes?") is reported with low confidence so
// that a policy threshold of 0.5 ignores it.

// healthTerms is the lexicon, lower case. Terms written in capitals in the
// list (AIDS) match only when written in capitals in the text.
const healthTerms = `
diabetes, type 1 diabetes, type 2 diabetes, prediabetes, diabetic, hypertension, high blood pressure,
hypotension, low blood pressure, high cholesterol, asthma, asthmatic, copd, emphysema, bronchitis,
pneumonia, tuberculosis, covid, covid-19, long covid, coronavirus, influenza, hiv, hiv-positive, AIDS,
hepatitis, hepatitis a, hepatitis b, hepatitis c, cirrhosis, cancer, breast cancer, lung cancer,
prostate cancer, colon cancer, colorectal cancer, skin cancer, ovarian cancer, cervical cancer,
pancreatic cancer, leukemia, leukaemia, lymphoma, melanoma, carcinoma, sarcoma, myeloma, tumor, tumour,
brain tumor, metastasis, metastatic, chemotherapy, chemo, radiotherapy, radiation therapy,
immunotherapy, dialysis, depression, depressive disorder, major depressive disorder, anxiety,
anxiety disorder, panic attacks, panic disorder, bipolar, bipolar disorder, schizophrenia,
schizophrenic, psychosis, ptsd, ocd, adhd, autism, autistic, asperger's, dementia, alzheimer's,
alzheimers, alzheimer, parkinson's, parkinsons, epilepsy, epileptic, seizures, seizure, migraine,
migraines, multiple sclerosis, ALS, lupus, arthritis, rheumatoid arthritis, osteoarthritis,
osteoporosis, fibromyalgia, chronic fatigue syndrome, psoriasis, eczema, crohn's, crohn's disease,
crohns, colitis, ulcerative colitis, ibs, irritable bowel syndrome, celiac, celiac disease, coeliac,
anemia, anaemia, hemophilia, haemophilia, sickle cell, sickle cell disease, thalassemia, heart disease,
heart failure, heart attack, myocardial infarction, cardiomyopathy, arrhythmia, atrial fibrillation,
angina, coronary artery disease, stroke, kidney disease, chronic kidney disease, renal failure,
kidney failure, liver disease, fatty liver, obesity, anorexia, bulimia, eating disorder, insomnia,
sleep apnea, sleep apnoea, narcolepsy, addiction, alcoholism, alcoholic, substance abuse, drug abuse,
overdose, opioid addiction, suicidal, suicide attempt, self-harm, miscarriage, abortion, pregnancy,
pregnant, infertility, ivf, endometriosis, pcos, menopause, std, stds, sti, chlamydia, gonorrhea,
gonorrhoea, syphilis, herpes, hpv, glaucoma, cataract, cataracts, macular degeneration, hearing loss,
tinnitus, concussion, traumatic brain injury, paralysis, paraplegic, quadriplegic, cerebral palsy,
down syndrome, cystic fibrosis, huntington's, muscular dystrophy, spina bifida, hypothyroidism,
hyperthyroidism, thyroid disease, gout, anaphylaxis, food allergy, peanut allergy, sepsis, meningitis,
malaria, measles, mumps, chickenpox, shingles, ebola, mpox, monkeypox, dyslexia, tourette's,
tourette syndrome, hiv/aids, sclerosis, neuropathy, hernia, appendicitis, ulcer, stomach ulcer,
gallstones, kidney stones, pancreatitis, jaundice, lyme disease, scoliosis, tendonitis,
carpal tunnel syndrome, vertigo, postpartum depression, gestational diabetes, preeclampsia,
insulin, metformin, lisinopril, atorvastatin, simvastatin, rosuvastatin, statins, amlodipine,
losartan, metoprolol, warfarin, heparin, apixaban, rivaroxaban, clopidogrel, ibuprofen, paracetamol,
acetaminophen, codeine, morphine, oxycodone, hydrocodone, fentanyl, tramadol, methadone,
buprenorphine, suboxone, naloxone, prozac, fluoxetine, sertraline, zoloft, citalopram, escitalopram,
lexapro, paroxetine, venlafaxine, duloxetine, bupropion, wellbutrin, lamotrigine, valproate,
carbamazepine, levetiracetam, gabapentin, pregabalin, lyrica, diazepam, valium, lorazepam, ativan,
alprazolam, xanax, clonazepam, zolpidem, ambien, quetiapine, seroquel, olanzapine, risperidone,
aripiprazole, abilify, haloperidol, clozapine, adderall, ritalin, methylphenidate, levothyroxine,
synthroid, prednisone, prednisolone, hydrocortisone, albuterol, salbutamol, ventolin, montelukast,
omeprazole, pantoprazole, amoxicillin, penicillin, azithromycin, doxycycline, ciprofloxacin,
antibiotics, antidepressant, antidepressants, antipsychotic, antipsychotics, antiretroviral,
antiretrovirals, truvada, biktarvy, tamoxifen, herceptin, keytruda, methotrexate, humira, adalimumab,
ozempic, semaglutide, wegovy, mounjaro, tirzepatide, glipizide, januvia, jardiance, viagra,
sildenafil, cialis, finasteride, spironolactone, furosemide, hydrochlorothiazide, digoxin,
nitroglycerin, epipen, chemotherapy drugs, birth control, contraceptive, contraceptives,
hormone therapy, hormone replacement therapy, hrt, testosterone therapy, inhaler, insulin pump,
mri, mri scan, ct scan, cat scan, pet scan, x-ray, x-rays, ultrasound, biopsy, mammogram, colonoscopy,
endoscopy, ecg, ekg, eeg, blood test, blood tests, surgery, transplant, kidney transplant,
liver transplant, heart transplant, bypass surgery, angioplasty, stent, pacemaker, mastectomy,
hysterectomy, vasectomy, appendectomy, amputation, c-section, caesarean, cesarean, physiotherapy,
physical therapy, rehab, psychotherapy, psychiatric, psychiatrist, counselling, counseling,
hospitalized, hospitalised, icu, intensive care, terminal illness, palliative care, hospice,
disability, wheelchair, sick leave, medical leave, mental illness, mental health,
burnout, panic attack, anxiety attacks, chronic pain, slipped disc, herniated disc,
chronic illness, parkinson, parkinson's disease, alzheimer's disease, long-covid,
depressive episode, type 1 diabetic, type 2 diabetic, adhd medication,
diabetes typ 1, diabetes typ 2, krebs, brustkrebs, lungenkrebs, darmkrebs, hautkrebs,
prostatakrebs, leukämie, epilepsie, migräne, bandscheibenvorfall, schlaganfall, herzinfarkt,
bluthochdruck, multiple sklerose, angststörung, angststörungen, panikattacken, schwangerschaft,
schwanger, demenz, autismus, adhs, morbus crohn, zöliakie, rheuma, arthrose, depressionen,
chemotherapie, antidepressiva, essstörung, magersucht, alkoholsucht,
diabète, diabète de type 1, diabète de type 2, cancer du sein, cancer du poumon, épilepsie,
asthme, dépression, anxiété, sclérose en plaques, grossesse, enceinte, démence, autisme,
tdah, chimiothérapie, antidépresseurs, maladie de crohn, polyarthrite,
diabetes tipo 1, diabetes tipo 2, cáncer, cáncer de mama, cáncer de pulmón, epilepsia, asma,
depresión, ansiedad, esclerosis múltiple, embarazo, embarazada, demencia, autismo,
quimioterapia, antidepresivos,
`

// healthRoutine are terms that name care or an absence rather than a
// condition ("blood tests", "sick leave", "a disability"): a weak cue such
// as "need" or "with" does not tie them to a person, only a strong one
// ("diagnosed", "I have") does.
var healthRoutine = map[string]bool{
	"blood test": true, "blood tests": true, "sick leave": true, "medical leave": true,
	"disability": true, "mental health": true, "wheelchair": true, "counselling": true,
	"counseling": true, "physiotherapy": true, "physical therapy": true,
}

var healthCues = newCues(map[string]int8{
	"diagnosed": cueStrong, "diagnosis": cueStrong, "prescribed": cueStrong, "prescription": cueStrong,
	"patient": cueStrong, "suffers": cueStrong, "suffering": cueStrong, "suffered": cueStrong,
	"treatment": cueStrong, "treated": cueStrong, "dose": cueStrong, "dosage": cueStrong,
	"mg": cueStrong, "mcg": cueStrong, "admitted": cueStrong, "relapse": cueStrong,
	"remission": cueStrong, "tested positive": cueStrong, "positive for": cueStrong,
	"history of": cueStrong, "living with": cueStrong, "struggling with": cueStrong,
	"battling": cueStrong, "recovering": cueStrong, "undergoing": cueStrong, "underwent": cueStrong,
	"my doctor": cueStrong, "symptoms": cueStrong, "allergic": cueStrong, "i have": cueStrong, "i've": cueStrong, "i ve": cueStrong,
	"he has": cueStrong, "she has": cueStrong, "has had": cueStrong, "i had": cueStrong,
	"my": cueWeak, "his": cueWeak, "her": cueWeak, "i'm": cueWeak, "me": cueWeak,
	"mother": cueWeak, "father": cueWeak, "son": cueWeak, "daughter": cueWeak, "wife": cueWeak,
	"husband": cueWeak, "mom": cueWeak, "dad": cueWeak, "he": cueWeak, "she": cueWeak,
	"employee": cueWeak, "our": cueWeak, "their": cueWeak,
	// German, French, Spanish
	"ich habe": cueStrong, "habe": cueStrong, "hat": cueWeak, "leide": cueStrong, "leidet": cueStrong,
	"diagnose": cueStrong, "diagnostiziert": cueStrong, "behandlung": cueStrong, "erkrankt": cueStrong,
	"nehme": cueStrong, "nimmt": cueStrong, "mein": cueWeak, "meine": cueWeak, "meinem": cueWeak,
	"meiner": cueWeak, "meines": cueWeak, "sein": cueWeak, "seine": cueWeak, "ihre": cueWeak,
	"j ai": cueStrong, "souffre": cueStrong, "diagnostiqué": cueStrong, "diagnostiquée": cueStrong,
	"traitement": cueStrong, "atteint": cueStrong, "atteinte": cueStrong, "prends": cueStrong,
	"mon": cueWeak, "ma": cueWeak, "mes": cueWeak,
	"tengo": cueStrong, "padezco": cueStrong, "sufro": cueStrong, "diagnosticado": cueStrong,
	"diagnosticada": cueStrong, "tratamiento": cueStrong, "tomo": cueStrong, "mi": cueWeak,
})

// healthNear are cues that tie a term to a person only right before it
// ("takes metformin", "on insulin"), not anywhere in the sentence.
var healthNear = newCues(map[string]int8{
	"taking": cueStrong, "takes": cueStrong, "took": cueStrong, "take": cueStrong, "on": cueWeak,
	"started": cueStrong, "stopped": cueStrong, "need": cueWeak, "needs": cueWeak, "with": cueWeak,
	"has": cueWeak, "had": cueWeak, "have": cueWeak, "got": cueWeak, "for": cueWeak,
	"starting": cueStrong, "start": cueStrong, "starts": cueStrong, "stopping": cueStrong,
	"stop": cueStrong, "stops": cueStrong, "using": cueWeak,
})

// loadHealth registers the first word of every health term as a trigger.
func loadHealth() {
	for _, line := range strings.Split(healthTerms, ",") {
		term := strings.TrimSpace(line)
		if term == "" {
			continue
		}
		upperOnly := term == strings.ToUpper(term)
		lowerTerm := strings.ToLower(term)
		first := lowerTerm
		if k := strings.IndexAny(first, " -'/"); k > 0 {
			first = first[:k]
		}
		t := addTrigger(first, roleHealth)
		if upperOnly {
			t.upperOnly = true
		}
		t.phrases = append(t.phrases, lowerTerm)
	}
	for _, t := range triggers {
		sort.Slice(t.phrases, func(a, b int) bool { return len(t.phrases[a]) > len(t.phrases[b]) })
	}
}

// health reports a health term starting with the word text[i:j].
func (s *scanner) health(i, j int, t *trigger) int {
	text := s.text
	if t.upperOnly && !isUpper(text[i+1]) {
		return j
	}
	end, routine := healthPhrase(text, i, t)
	if end == 0 {
		return j
	}
	// A term run on into another ("epileptic seizure", "asthma attack")
	// or followed by its type ("Diabetes Typ 2") is one finding.
	for k := 0; k < 3 && end+1 < len(text) && text[end] == ' '; k++ {
		if e := diseaseType(text, end+1); e > 0 {
			end = e
			continue
		}
		e, r := healthWordAt(text, end+1)
		if e == 0 {
			break
		}
		end, routine = e, routine && r
	}
	// The sentence around the term.
	lo := max(i-80, 0)
	for k := i - 1; k >= lo; k-- {
		if c := text[k]; c == '.' || c == '!' || c == '?' || c == '\n' {
			lo = k + 1
			break
		}
	}
	hi := min(end+60, len(text))
	for k := end; k < hi; k++ {
		if c := text[k]; c == '.' || c == '!' || c == '?' || c == '\n' {
			hi = k
			break
		}
	}
	pos, _ := healthCues.look(text[lo:i], 0)
	if pos < cueStrong {
		// The two words right before the term.
		b, words := i, 0
		for b > lo && words < 2 {
			for b > lo && !isAlnum(text[b-1]) {
				b--
			}
			for b > lo && isAlnum(text[b-1]) {
				b--
			}
			words++
		}
		if p2, _ := healthNear.look(text[b:i], 0); p2 > pos {
			pos = p2
		}
	}
	if pos < cueStrong {
		if p2, _ := healthCues.look(text[end:hi], 0); p2 > pos {
			pos = p2
		}
	}
	conf := 0.3
	switch {
	case routine && pos == cueStrong:
		conf = 0.7
	case routine && pos == cueWeak:
		conf = 0.4
	case pos == cueStrong:
		conf = 0.85
	case pos == cueWeak:
		conf = 0.7
	}
	s.add(kHealth, i, end, conf)
	return end
}

// healthPhrase returns the end of the longest health term of t at i (0 when
// none matches) and whether it is a routine term (see healthRoutine).
func healthPhrase(text string, i int, t *trigger) (end int, routine bool) {
	for _, ph := range t.phrases {
		if hasPrefixFold(text, i, ph) && (i+len(ph) == len(text) || !isAlnum(text[i+len(ph)])) {
			return i + len(ph), healthRoutine[ph]
		}
	}
	return 0, false
}

// healthWordAt returns the end of a health term that starts with the word
// at p, or 0.
func healthWordAt(text string, p int) (end int, routine bool) {
	q := p
	for q < len(text) && q-p <= maxTrigger && class[text[q]]&cWord != 0 {
		q++
	}
	if q == p || q-p > maxTrigger {
		return 0, false
	}
	h := triggerHash(text[p:q])
	if nameBits[h>>6][0]&(1<<(h&63)) == 0 {
		return 0, false
	}
	t, _ := triggerTab.getHashed(text[p:q], h)
	if t == nil || t.roles&roleHealth == 0 || (t.upperOnly && (q-p < 2 || !isUpper(text[p+1]))) {
		return 0, false
	}
	return healthPhrase(text, p, t)
}

// diseaseType returns the end of "type 2", "Typ 1" or "tipo 2" at p, or 0.
func diseaseType(text string, p int) int {
	for _, w := range [...]string{"type ", "typ ", "tipo "} {
		if hasPrefixFold(text, p, w) {
			q := p + len(w)
			if q < len(text) && (text[q] == '1' || text[q] == '2') && (q+1 == len(text) || !isAlnum(text[q+1])) {
				return q + 1
			}
		}
	}
	return 0
}
