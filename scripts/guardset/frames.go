package main

// Sentence frames for the positive cases, grouped by the type they are
// about. Frames may hold other labelled types too. Cases cycle through a
// group's frames, so each frame is used a few times with new values.

var cardFrames = []string{
	"Hi, I paid for the team offsite hotel with my personal card {{credit_card}} because the corporate card was declined. How do I claim it back?",
	"Can you update my corporate card on file? The new one is {{credit_card}}, expiry 09/28.",
	"My company Amex {{credit_card:amex}} was charged twice for the conference registration. Who do I talk to?",
	"For the relocation deposit please charge {{credit_card}} (name on card: {{person}}).",
	"Card number: {{credit_card}}\nCardholder: {{person}}\nAmount: €1,240.00\nMerchant: Hotel Adlon Kempinski",
	"I accidentally typed my card number {{credit_card}} into the travel booking notes field. Can someone delete it?",
	"Reimbursement request – I used {{credit_card}} for the training course fee of $650. Receipt attached.",
	"The gym membership benefit asks for a card; I gave them {{credit_card}}. Is that reimbursable under the wellness allowance?",
	"Hola, pagué la cena del equipo con mi tarjeta {{credit_card}}. ¿Cómo solicito el reembolso?",
	"Hallo, meine Firmenkreditkarte {{credit_card}} wurde gesperrt. Wie bekomme ich eine neue?",
	"Bonjour, ma carte {{credit_card}} a été débitée pour un abonnement que je n'utilise plus. Que dois-je faire ?",
	"I found the expense line for the flight to Lisbon. It was paid with the card {{credit_card}}, so the refund will go back to that card within 5 working days.",
	"Lost my corporate Visa {{credit_card:visa}} at the airport – please block it ASAP!!",
	"Per diem question: can I use my own card ({{credit_card}}) for meals and claim later, or must I use the corporate one?",
	"Travel booking form\n- Traveller: {{person}}\n- Payment card: {{credit_card}}\n- Cost centre: 4410\n- Purpose: client workshop",
	"pls charge the parking permit to {{credit_card}} thx",
	"My Diners card {{credit_card:diners}} isn't accepted by the travel tool. Is Diners supported for expenses?",
	"The hotel in Osaka wants a guarantee card, I gave {{credit_card:jcb}} – will the company cover the no-show fee?",
}

var ibanFrames = []string{
	"Please change my salary account to {{iban}} from next month.",
	"Hi HR, I moved banks. New IBAN: {{iban}}. The old account can be closed.",
	"My expense reimbursement went to my old account. The correct IBAN is {{iban}}.",
	"Bitte überweisen Sie mein Gehalt ab Juli auf {{iban:DE}}.",
	"Voici mon nouveau RIB : {{iban:FR}}. Merci de mettre à jour la paie.",
	"Mi cuenta para la nómina ha cambiado, el nuevo IBAN es {{iban:ES}}.",
	"Vorrei aggiornare l'IBAN per lo stipendio: {{iban:IT}}.",
	"Mijn nieuwe rekeningnummer is {{iban:NL}}, kunt u dat doorgeven aan de salarisadministratie?",
	"Bank details form\nAccount holder: {{person}}\nIBAN: {{iban}}\nBIC: DEUTDEFFXXX\nSigned: yes",
	"Thanks, I've recorded {{iban}} as your payment account. The change takes effect from the next payroll run on the 25th.",
	"Is it safe to send my IBAN {{iban}} in this chat? I need the relocation allowance paid there.",
	"Can you split my salary: 80% to {{iban}} and 20% to {{iban}}?",
	"The pension fund wants an account for the refund, is mine ok? It's {{iban}}",
	"Proszę o zmianę numeru konta do wypłaty na {{iban:PL}}.",
	"Mitt nya kontonummer för lönen är {{iban:SE}}.",
}

var ssnFrames = []string{
	"I'm filling in the W-4 and it asks for my SSN, which is {{us_ssn}}. Do I send it to you or to payroll?",
	"My social security number was entered wrong on my W-2. It should be {{us_ssn}}.",
	"SSN: {{us_ssn}}\nName: {{person}}\nDate of birth: {{date_of_birth}}\nStart date: 3 March",
	"For the 401(k) enrollment they need my SSN {{us_ssn}} and my beneficiary's SSN {{us_ssn}}.",
	"I can see the record for SSN {{us_ssn}}; the benefits enrollment is complete and the card will arrive by mail.",
	"Background check vendor keeps asking for my social again — it's {{us_ssn}}, can you forward it to them?",
	"my ssn is {{us_ssn:plain}} pls fix the tax form",
	"Dependent info for the health plan: spouse {{person}}, SSN {{us_ssn}}.",
	"The I-9 copy you sent shows {{us_ssn}} but that isn't the number on my card. Which one is on file?",
	"Hi, new hire here. Social Security No. {{us_ssn:space}} — where do I upload the card scan?",
	"Tax ID (SSN) {{us_ssn}} – please confirm my state withholding for California.",
	"Payroll flagged an SSN mismatch. The correct number is {{us_ssn}}.",
}

var emailFrames = []string{
	"Please send my payslips to my personal address {{email}} instead of the work inbox.",
	"Can you cc my manager {{email}} on the leave approval?",
	"I don't have access to Workday yet. My login email is {{email}}.",
	"Who is my HR business partner now? I tried {{email}} but it bounced.",
	"Forward the relocation policy to {{email}} please, I'm on leave and can't reach the VPN.",
	"I've sent the confirmation to {{email}}. If you don't see it within an hour, check your spam folder.",
	"From: {{person}} <{{email}}>\nSubject: Timesheet correction\n\nHi team, I logged 6 hours instead of 8 on Tuesday. Can you fix it?",
	"Reference contact for my background check: {{person}}, {{email}}.",
	"My emergency contact changed – it's now my sister {{person}} ({{email}}).",
	"Could IT reset the MFA for {{email}}? I got a new phone.",
	"The benefits provider wants an email to register. Should I use {{email}} or the company one?",
	"Bitte schicken Sie die Lohnsteuerbescheinigung an {{email}}.",
	"Pouvez-vous envoyer mon attestation employeur à {{email}} ?",
	"Add {{email}} and {{email}} to the onboarding mailing list for the new starters.",
	"Set up a forward from my mailbox to {{email}} while I'm on parental leave.",
}

var phoneFrames = []string{
	"My new mobile number is {{phone}}, please update my emergency contact details.",
	"Can someone from payroll call me back on {{phone}}? It's urgent.",
	"The IT helpdesk number {{phone}} isn't answering, is there another way to unlock my account?",
	"Emergency contact: {{person}}, {{phone}}",
	"You can reach the benefits hotline on {{phone}} between 9:00 and 17:00, Monday to Friday.",
	"I'm travelling next week; reach me on {{phone}} if my leave request needs anything.",
	"Meine neue Handynummer lautet {{phone:de}}. Bitte im System ändern.",
	"Mon numéro a changé : {{phone:fr}}. Merci de mettre à jour mon dossier.",
	"Can you update my home phone to {{phone:uk}}? The old landline is disconnected.",
	"Text me at {{phone}} when my laptop is ready for pickup.",
	"My manager's number is {{phone}} if you need approval for the overtime.",
	"WhatsApp {{phone:e164}} for the visa paperwork, that's the fastest.",
	"New starter details\nName: {{person}}\nMobile: {{phone}}\nStart date: 2 June\nTeam: Payroll",
	"I missed a call from {{phone:us}} about my 401(k) – was that you guys?",
	"Fax the signed contract to {{phone}}? Do people still use fax?",
}

var ninoFrames = []string{
	"My National Insurance number is {{uk_nino}} – my payslip shows the wrong one.",
	"Starter checklist: NI number {{uk_nino}}, P45 attached.",
	"HMRC letter says NINO {{uk_nino}} is on an emergency tax code. Can payroll fix it?",
	"Your record now shows the National Insurance number {{uk_nino}}. The next payslip will use it.",
	"ni no {{uk_nino:compact}} pls update",
	"For the pension auto-enrolment form I need to give my NI number ({{uk_nino}}), is that right?",
	"Name: {{person}}\nNational Insurance: {{uk_nino}}\nAddress: {{address:uk}}",
	"I've just got my NI number through: {{uk_nino}}. Until now I was paid with a temporary reference.",
}

var ipFrames = []string{
	"The VPN keeps dropping. My laptop shows IP {{ip_address}} – is that blocked?",
	"Could IT allow {{ip_address}}? That's my home router for remote work.",
	"HR portal says access denied from {{ip_address}}. I'm in the office though.",
	"Your last successful sign-in was from {{ip_address}} yesterday at 08:12.",
	"The printer on floor 3 is at {{ip_address}} but payroll can't print payslips.",
	"Security flagged a login from {{ip_address}} on my account — wasn't me!",
	"I need SSH access to the benefits sync server ({{ip_address}}) for the migration.",
	"IPv6 address from ipconfig: {{ip_address:v6}}. Does the expense tool support IPv6?",
}

var dobFrames = []string{
	"My date of birth is wrong in the system. It should be {{date_of_birth}}.",
	"For the life insurance form: born {{date_of_birth}}, non-smoker.",
	"Pension form\nName: {{person}}\nDOB: {{date_of_birth}}\nNI: {{uk_nino}}",
	"I turn 55 soon (born on {{date_of_birth}}), when can I access my pension?",
	"Adding my newborn to the health plan: {{person}}, date of birth {{date_of_birth:child}}.",
	"Mein Geburtsdatum ist {{date_of_birth}}, im Portal steht aber ein anderes.",
	"I've corrected your date of birth to {{date_of_birth}}. The change shows in your profile now.",
	"Birthday leave: my birthday is {{date_of_birth}}, so I'd like that day off this year.",
}

var addressFrames = []string{
	"I've moved. New address: {{address}}.",
	"Please post my P60 to {{address}} – I no longer live at the old place.",
	"Home address for the company car delivery: {{address}}.",
	"Your payslips will be posted to {{address}} from next month.",
	"Meine neue Anschrift: {{address:de}}.",
	"Ma nouvelle adresse est {{address:fr}}.",
	"Can you send the laptop to my home ({{address}}) since I'm fully remote?",
	"Relocation allowance: I moved from {{address}} to {{address}} on 1 March.",
}

var personFrames = []string{
	"I'd like to report that my manager {{person}} keeps rejecting my leave requests without a reason.",
	"Can you tell me who replaced {{person}} as the payroll contact?",
	"{{person}} from Finance said my expense claim was lost. Can you check?",
	"Please add {{person}} as a delegate so they can approve timesheets while I'm away.",
	"Your HR business partner is {{person}}; they're in the office on Tuesdays and Thursdays.",
	"Referral bonus: I referred {{person}}, who started last week. When is the bonus paid?",
	"My colleague {{person}} and I want to swap our holiday weeks, is that allowed?",
	"The exit interview for {{person}} is scheduled; who should attend from HR?",
	"Hi, this is {{person}}. I can't log in to the benefits site.",
	"Please nominate {{person}} for the quarterly values award — they covered three shifts for me.",
}

var healthFrames = []string{
	"I was diagnosed with {{health}} last month and need to adjust my working hours. What are my options?",
	"My son has {{health}}; can I take carer's leave for his hospital appointments?",
	"I'm on {{health:med}} and it makes me drowsy in the mornings, can I start later?",
	"Fit note attached – the doctor says I have {{health}} and should rest for two weeks.",
	"I've noted your request for a standing desk because of your {{health}}. Facilities will contact you.",
	"I'm returning after treatment for {{health}}; is a phased return possible?",
	"Does the health plan cover {{health:med}}? I take it daily for my {{health}}.",
	"Ich habe {{health:de}} und brauche einen ergonomischen Arbeitsplatz.",
	"My wife was diagnosed with {{health}} and I need time off to look after her.",
	"I had an {{health=epileptic seizure}} at work yesterday; should I fill in an incident form?",
	"Occupational health report for {{person}}: reports {{health}}, recommends reduced screen time.",
	"Since starting {{health:med}} I need regular blood tests on Monday mornings. Is that paid time off?",
}

// docFrames are pasted documents and agent answers holding several types.
var docFrames = []string{
	"PAYSLIP March 2025\nEmployee: {{person}}\nNI number: {{uk_nino}}\nTax code: 1257L\nNet pay: £2,431.17\nPaid to: {{iban:GB}}",
	"Onboarding form\nName: {{person}}\nSSN: {{us_ssn}}\nDOB: {{date_of_birth}}\nAddress: {{address:us}}\nPhone: {{phone:us}}\nEmail: {{email}}",
	"Expense report EXP-20417\nEmployee: {{person}}\nCard: {{credit_card}}\nHotel Lisbon, 3 nights: €612.00\nTaxi: €38.50",
	"> From: {{person}} <{{email}}>\n> Sent: Monday 10:14\n> Please find my new bank details: {{iban}}\n\nHi HR, forwarding this from my colleague — is it legit?",
	"Absence form\nEmployee: {{person}}\nReason: {{health}}\nContact during absence: {{phone}}",
	"To whom it may concern, {{person}} (born {{date_of_birth}}) has worked with us since 2019 as a payroll analyst. Contact: {{email}}.",
	"Arbeitnehmer: {{person}}, wohnhaft {{address:de}}, IBAN {{iban:DE}}, Telefon {{phone:de}}",
	"Access request\nUser: {{email}}\nWorkstation IP: {{ip_address}}\nManager: {{person}}\nSystem: payroll",
	"Here's what I have on file: phone {{phone}}, email {{email}}, address {{address}}. Let me know if anything is out of date.",
	"Salarié : {{person}}\nNuméro de téléphone : {{phone:fr}}\nIBAN : {{iban:FR}}\nAdresse : {{address:fr}}",
	"Benefits enrollment summary for {{person}}: medical plan Gold, dependent {{person}} (DOB {{date_of_birth:child}}), SSN on file {{us_ssn}}, payments from {{credit_card}}.",
	"Hi! I'm {{person}}, I started Monday. My phone is {{phone}} and my personal mail is {{email}}; I still have no badge.",
}

var secretFrames = map[string][]string{
	"aws_access_key": {
		"I found this in the onboarding wiki, is it ours? aws_access_key_id = {{aws_access_key}}",
		"The payroll export script fails with AccessDenied for key {{aws_access_key}}. Can IT check the IAM policy?",
		"export AWS_ACCESS_KEY_ID={{aws_access_key}}\nexport AWS_DEFAULT_REGION=eu-west-1\n./export-payroll.sh",
	},
	"github_token": {
		"Our HR bot repo CI uses the token {{github_token}} – it stopped working, who can rotate it?",
		"git clone https://{{github_token}}@github.com/example-corp/hr-scripts.git gives 403, any idea?",
		"GITHUB_TOKEN={{github_token}}",
	},
	"slack_token": {
		"The leave-approval Slack bot stopped posting. Its token is {{slack_token}}, maybe it was revoked?",
		"SLACK_BOT_TOKEN: {{slack_token}}",
		"Can you check whether {{slack_token}} still has the chat:write scope for the announcements bot?",
	},
	"stripe_key": {
		"Finance asked me to check the benefits shop payments; the key in the config is {{stripe_key}}. Is that the live one?",
		"stripe.api_key = \"{{stripe_key}}\"",
		"The charity matching page charges donations through Stripe with {{stripe_key}}; can HR own it now?",
	},
	"openai_api_key": {
		"Is it okay to use my own OpenAI key {{openai_api_key}} with the HR chatbot for testing?",
		"OPENAI_API_KEY={{openai_api_key}}",
		"The CV screening prototype has the key {{openai_api_key}} hard-coded, should I report that?",
	},
	"private_key": {
		"IT sent me this for the SFTP payroll upload, where do I put it?\n{{private_key}}",
		"Here is the key file content from the benefits server:\n\n{{private_key}}\n\nIs it safe to share?",
	},
	"jwt": {
		"My session token for the HR portal is {{jwt}} – it says expired after 5 minutes.",
		"Authorization: Bearer {{jwt}}",
		"The SSO redirect put this in the URL: id_token={{jwt}} — is that normal?",
	},
	"connection_string": {
		"The payroll report tool can't connect: {{connection_string}} – timeout after 30s.",
		"DATABASE_URL={{connection_string}}",
		"Found this in an old spreadsheet macro, should it be there? {{connection_string}}",
	},
	"password": {
		"My Workday password is {{password}} and it still says invalid. Can you reset it?",
		"Temp password for the new starter laptop: {{password}} (please change it on first login)",
		"I set the PDF password to {{password}} for the payslip bundle.",
		"Mein neues Passwort lautet {{password}}, funktioniert aber nicht im VPN.",
		"login: jdoe / pw: {{password}}",
	},
	"generic_secret": {
		"The benefits API client_secret is {{generic_secret}}, do we need to rotate it after the vendor breach?",
		"x-api-key: {{generic_secret}}",
		"Our e-signature integration uses the API token {{generic_secret}}; the vendor asks us to regenerate it.",
		"webhook signing secret for the ATS integration: {{generic_secret}}",
	},
}

// mixedSecretFrames hold several secrets at once.
var mixedSecretFrames = []string{
	".env from the hr-bot repo:\nDB_URL={{connection_string}}\nSLACK_TOKEN={{slack_token}}\nOPENAI_API_KEY={{openai_api_key}}",
	"Sure, the service account credentials are: user svc-hr, password {{password}}, API key {{generic_secret}}.",
	"deploy.yaml\n  env:\n    AWS_ACCESS_KEY_ID: {{aws_access_key}}\n    GH_TOKEN: {{github_token}}\n    JWT_SAMPLE: {{jwt}}",
	"Hi {{person}}, as requested: Stripe {{stripe_key}}, and the SSH key for the payroll box ({{ip_address}}):\n{{private_key}}",
}

// piiCases renders the personal-data cases: so many per group, cycling
// through the group's frames.
func (f *filler) piiCases() []Case {
	groups := []struct {
		frames []string
		n      int
	}{
		{cardFrames, 44}, {ibanFrames, 44}, {ssnFrames, 42}, {emailFrames, 42}, {phoneFrames, 44},
		{ninoFrames, 18}, {ipFrames, 16}, {dobFrames, 16}, {addressFrames, 16}, {personFrames, 16},
		{healthFrames, 20}, {docFrames, 24},
	}
	var out []Case
	for _, gr := range groups {
		for i := range gr.n {
			out = append(out, f.render(gr.frames[i%len(gr.frames)]))
		}
	}
	return out
}

func (f *filler) secretCases() []Case {
	var out []Case
	for _, typ := range secretTypes {
		frames := secretFrames[typ]
		for i := range 7 {
			out = append(out, f.render(frames[i%len(frames)]))
		}
	}
	for i := range 2 * len(mixedSecretFrames) {
		out = append(out, f.render(mixedSecretFrames[i%len(mixedSecretFrames)]))
	}
	return out
}
