package secrets

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// want is one expected finding: its type, the exact text it covers and the
// range its confidence must fall in.
type want struct {
	typ    string
	span   string
	lo, hi float64
}

func w(typ, span string, lo, hi float64) want { return want{typ, span, lo, hi} }

type tcase struct {
	name string
	text string
	want []want
}

// check runs d on text and requires exactly the wanted findings.
func check(t *testing.T, d *Detector, text string, wants []want) {
	t.Helper()
	got := d.Detect(nil, text)
	describe := func() string {
		var b strings.Builder
		for _, f := range got {
			fmt.Fprintf(&b, "\n\t%s %.2f %q", f.Type, f.Confidence, text[f.Start:f.End])
		}
		return b.String()
	}
	if len(got) != len(wants) {
		t.Fatalf("got %d findings, want %d:%s", len(got), len(wants), describe())
	}
	for _, wt := range wants {
		found := false
		for _, f := range got {
			if f.Type == wt.typ && text[f.Start:f.End] == wt.span {
				found = true
				if f.Confidence < wt.lo || f.Confidence > wt.hi {
					t.Errorf("%s %q: confidence %.2f, want in [%.2f, %.2f]", wt.typ, wt.span, f.Confidence, wt.lo, wt.hi)
				}
				if f.Category != detect.Secret {
					t.Errorf("%s: category %q, want %q", wt.typ, f.Category, detect.Secret)
				}
			}
		}
		if !found {
			t.Errorf("missing %s %q; got:%s", wt.typ, wt.span, describe())
		}
	}
}

func run(t *testing.T, cases []tcase) {
	t.Helper()
	d := New(Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, d, c.text, c.want) })
	}
}

// Ensure every structured token rule finds realistic values, with the
// confidence its evidence earns.
func TestStructuredTokens(t *testing.T) {
	g := newGen(1)
	akia, asia := g.awsKey("AKIA"), g.awsKey("ASIA")
	gcp1, gcp2 := "AIza"+g.str(b64url, 35), "AIza"+g.str(b64url, 35)
	azure1, azure2 := g.str(b64chars, 86)+"==", g.str(b64chars, 86)+"=="
	ghp, ghs := g.checksummed("ghp_"), g.checksummed("ghs_")
	ghBad := "gho_" + g.str(alnum, 36) // right shape, checksum wrong but for 1 in 62^6
	ghPAT := "github_pat_" + g.str(alnum, 22) + "_" + g.str(alnum, 59)
	glpat, glrt := "glpat-"+g.str(b64url, 20), "glrt-"+g.str(b64url, 20)
	xoxb := "xoxb-" + g.str(digits, 10) + "-" + g.str(digits, 13) + "-" + g.str(alnum, 24)
	xoxp := "xoxp-" + g.str(digits, 10) + "-" + g.str(digits, 11) + "-" + g.str(digits, 12) + "-" + g.str(hexLower, 32)
	xapp := "xapp-1-A" + g.str(upperNum, 9) + "-" + g.str(digits, 13) + "-" + g.str(hexLower, 64)
	hook1 := "https://hooks.slack.com/services/T" + g.str(upperNum, 9) + "/B" + g.str(upperNum, 9) + "/" + g.str(alnum, 24)
	hook2 := "hooks.slack.com/workflows/T" + g.str(upperNum, 9) + "/A" + g.str(upperNum, 9) + "/" + g.str(alnum, 18)
	skLive, rkLive, skTest := "sk_live_"+g.str(alnum, 24), "rk_live_"+g.str(alnum, 99), "sk_test_"+g.str(alnum, 24)
	oaProj := "sk-proj-" + g.str(b64url, 74) + "T3BlbkFJ" + g.str(b64url, 74)
	oaLegacy := "sk-" + g.str(alnum, 20) + "T3BlbkFJ" + g.str(alnum, 20)
	oaSvc := "sk-svcacct-" + g.str(alnum, 60)
	ant1, ant2 := "sk-ant-api03-"+g.str(b64url, 93)+"AA", "sk-ant-admin01-"+g.str(b64url, 93)+"AA"
	npm, npmBad := g.checksummed("npm_"), "npm_"+g.str(alnum, 36)
	sg1, sg2 := "SG."+g.str(b64url, 22)+"."+g.str(b64url, 43), "SG."+g.str(b64url, 22)+"."+g.str(b64url, 43)
	tw1, tw2 := "SK"+g.str(hexLower, 32), "SK"+g.str(hexLower, 32)

	run(t, []tcase{
		{"aws access key", "export AWS_ACCESS_KEY_ID=" + akia, []want{w("aws_access_key", akia, 0.9, 0.9)}},
		{"aws temporary key", `{"AccessKeyId": "` + asia + `"}`, []want{w("aws_access_key", asia, 0.9, 0.9)}},
		{"gcp api key", "maps key " + gcp1 + " in the page", []want{w("gcp_api_key", gcp1, 0.9, 0.9)}},
		{"gcp api key in url", "https://maps.googleapis.com/maps/api/js?key=" + gcp2 + "&v=3", []want{w("gcp_api_key", gcp2, 0.9, 0.9)}},
		{"azure connection string", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + azure1 + ";EndpointSuffix=core.windows.net",
			[]want{w("azure_storage_key", azure1, 0.9, 0.9)}},
		{"azure json", `"accountKey": "` + azure2 + `"`, []want{w("azure_storage_key", azure2, 0.9, 0.9)}},
		{"github classic checksum", "token " + ghp + " expires soon", []want{w("github_token", ghp, 0.99, 0.99)}},
		{"github app checksum", "GITHUB_TOKEN=" + ghs, []want{w("github_token", ghs, 0.99, 0.99)}},
		{"github bad checksum", "use " + ghBad, []want{w("github_token", ghBad, 0.8, 0.8)}},
		{"github fine-grained", "pat: " + ghPAT, []want{w("github_token", ghPAT, 0.9, 0.9)}},
		{"gitlab pat", "git clone https://oauth2:" + glpat + "@gitlab.com/x/y.git", []want{w("gitlab_token", glpat, 0.9, 0.9)}},
		{"gitlab runner", "runner token " + glrt, []want{w("gitlab_token", glrt, 0.9, 0.9)}},
		{"slack bot", "SLACK_BOT_TOKEN=" + xoxb, []want{w("slack_token", xoxb, 0.9, 0.9)}},
		{"slack user", "token: " + xoxp, []want{w("slack_token", xoxp, 0.9, 0.9)}},
		{"slack app", "app-level " + xapp + ".", []want{w("slack_token", xapp, 0.9, 0.9)}},
		{"slack webhook", "curl -X POST " + hook1 + " -d @msg.json", []want{w("slack_webhook", hook1, 0.9, 0.9)}},
		{"slack workflow webhook", "url: " + hook2, []want{w("slack_webhook", hook2, 0.8, 0.8)}},
		{"stripe live", "Stripe.api_key = '" + skLive + "'", []want{w("stripe_key", skLive, 0.9, 0.9)}},
		{"stripe restricted", rkLive, []want{w("stripe_key", rkLive, 0.9, 0.9)}},
		{"stripe test is lower", "test key " + skTest, []want{w("stripe_key", skTest, 0.5, 0.5)}},
		{"openai project", "OPENAI_API_KEY=" + oaProj, []want{w("openai_api_key", oaProj, 0.95, 0.95)}},
		{"openai legacy", "key " + oaLegacy + ",", []want{w("openai_api_key", oaLegacy, 0.95, 0.95)}},
		{"openai service account", "client = OpenAI(api_key=\"" + oaSvc + "\")", []want{w("openai_api_key", oaSvc, 0.9, 0.9)}},
		{"anthropic", "x-api-key: " + ant1, []want{w("anthropic_api_key", ant1, 0.9, 0.9)}},
		{"anthropic admin", ant2, []want{w("anthropic_api_key", ant2, 0.9, 0.9)}},
		{"npm checksum", "//registry.npmjs.org/:_authToken=" + npm, []want{w("npm_token", npm, 0.99, 0.99)}},
		{"npm bad checksum", "npm token " + npmBad, []want{w("npm_token", npmBad, 0.8, 0.8)}},
		{"sendgrid", "SENDGRID_API_KEY=" + sg1, []want{w("sendgrid_key", sg1, 0.9, 0.9)}},
		{"sendgrid prose", "the key is " + sg2 + ".", []want{w("sendgrid_key", sg2, 0.9, 0.9)}},
		{"twilio with context", "TWILIO_API_KEY=" + tw1, []want{w("twilio_key", tw1, 0.9, 0.9)}},
		{"twilio without context", "sid " + tw2, []want{w("twilio_key", tw2, 0.6, 0.6)}},
	})
}

// Ensure private keys are reported as whole blocks, and service-account
// key files as gcp_service_account.
func TestPrivateKeys(t *testing.T) {
	g := newGen(2)
	rsa, ec, ossh, pkcs8, enc, pgp := g.pem("RSA"), g.pem("EC"), g.pem("OPENSSH"), g.pem(""), g.pem("ENCRYPTED"), g.pem("PGP")
	noEnd := "-----BEGIN RSA PRIVATE KEY-----\n" + g.pemBody(300, "\n")
	jsonKey := `-----BEGIN PRIVATE KEY-----\n` + g.pemBody(600, `\n`) + `\n-----END PRIVATE KEY-----`
	sa1 := `{
  "type": "service_account",
  "project_id": "demo-project",
  "private_key_id": "` + g.str(hexLower, 40) + `",
  "private_key": "` + jsonKey + `\n",
  "client_email": "svc@demo-project.iam.gserviceaccount.com"
}`
	jsonKey2 := `-----BEGIN PRIVATE KEY-----\n` + g.pemBody(600, `\n`) + `\n-----END PRIVATE KEY-----`
	sa2 := `{"private_key":"` + jsonKey2 + `\n","client_email":"ci@proj-1.iam.gserviceaccount.com","client_id":"1"}`
	run(t, []tcase{
		{"rsa", "here is my key:\n" + rsa + "\nthanks", []want{w("private_key", rsa, 0.95, 0.95)}},
		{"ec", ec, []want{w("private_key", ec, 0.95, 0.95)}},
		{"openssh", "```\n" + ossh + "\n```", []want{w("private_key", ossh, 0.95, 0.95)}},
		{"pkcs8", pkcs8, []want{w("private_key", pkcs8, 0.95, 0.95)}},
		{"encrypted", enc, []want{w("private_key", enc, 0.95, 0.95)}},
		{"pgp", pgp, []want{w("private_key", pgp, 0.95, 0.95)}},
		{"no end line", noEnd + "\n\nand then?", []want{w("private_key", noEnd, 0.95, 0.95)}},
		{"header only", "files that start with -----BEGIN RSA PRIVATE KEY----- are keys",
			[]want{w("private_key", "-----BEGIN RSA PRIVATE KEY-----", 0.5, 0.5)}},
		{"placeholder body", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----",
			[]want{w("private_key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----", 0, 0.3)}},
		{"redacted body", "-----BEGIN PRIVATE KEY-----\n[REDACTED]\n-----END PRIVATE KEY-----",
			[]want{w("private_key", "-----BEGIN PRIVATE KEY-----\n[REDACTED]\n-----END PRIVATE KEY-----", 0, 0.3)}},
		{"paste here body", "-----BEGIN OPENSSH PRIVATE KEY-----\npaste your key here\n-----END OPENSSH PRIVATE KEY-----",
			[]want{w("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\npaste your key here\n-----END OPENSSH PRIVATE KEY-----", 0, 0.3)}},
		{"flattened key", strings.ReplaceAll(pkcs8, "\n", " "), []want{w("private_key", strings.ReplaceAll(pkcs8, "\n", " "), 0.95, 0.95)}},
		{"service account", sa1, []want{w("gcp_service_account", jsonKey, 0.95, 0.95)}},
		{"service account by client email", sa2, []want{w("gcp_service_account", jsonKey2, 0.95, 0.95)}},
		{"json key without service account", `{"private_key": "` + jsonKey + `"}`, []want{w("private_key", jsonKey, 0.95, 0.95)}},
	})
}

// Ensure JWTs are found by decoding, not by shape alone.
func TestJWT(t *testing.T) {
	g := newGen(3)
	j1 := g.jwt(`{"alg":"RS256","typ":"JWT","kid":"k1"}`, `{"sub":"u-4821","iat":1700000000,"scope":"read"}`)
	j2 := g.jwt(`{"typ":"JWT","alg":"HS256"}`, `{"iss":"https://idp.example.net","aud":"api","exp":1900000000}`)
	noAlg := g.jwt(`{"typ":"JWT","kid":"k1"}`, `{"sub":"x"}`)
	sample := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	run(t, []tcase{
		{"bearer header", "Authorization: Bearer " + j1, []want{w("jwt", j1, 0.95, 0.95)}},
		{"in prose", "the id token was " + j2 + ". It expired.", []want{w("jwt", j2, 0.95, 0.95)}},
		{"jwt.io sample", sample, []want{w("jwt", sample, 0, 0.3)}},
		{"header without alg", noAlg, nil},
		{"no dots", "eyJhbGciOiJub25lIn0 is a header", nil},
		{"too short", "eyJ.eyJ.x", nil},
		{"glued to a word", "x" + j1, nil},
	})
}

// Ensure credentials inside URLs and connection strings are reported, and
// only the password is covered.
func TestConnectionStrings(t *testing.T) {
	g := newGen(4)
	p1, p2, p3, p4 := g.str(alnum, 16), g.str(alnum, 12), g.str(alnum, 20), g.str(alnum, 14)
	run(t, []tcase{
		{"postgres", "DATABASE_URL=postgres://app:" + p1 + "@db.internal:5432/app?sslmode=require",
			[]want{w("connection_string", p1, 0.9, 0.9)}},
		{"mysql jdbc", "jdbc:mysql://root:" + p2 + "@10.0.0.5:3306/shop", []want{w("connection_string", p2, 0.9, 0.9)}},
		{"mongodb+srv", "mongodb+srv://svc:" + p3 + "@cluster0.ab12c.mongodb.net/db", []want{w("connection_string", p3, 0.9, 0.9)}},
		{"redis no user", "redis://:" + p4 + "@cache:6379/0", []want{w("connection_string", p4, 0.9, 0.9)}},
		{"amqp", "amqp://guest:Gu3st!pw@rabbit:5672/", []want{w("connection_string", "Gu3st!pw", 0.9, 0.9)}},
		{"https userinfo", "https://deploy:Xk29fLq8@git.example.org/repo.git", []want{w("connection_string", "Xk29fLq8", 0.8, 0.8)}},
		{"ado password", "Server=tcp:sql1.database.windows.net,1433;Initial Catalog=shop;User ID=app;Password=Pa55w0rd!2024;",
			[]want{w("connection_string", "Pa55w0rd!2024", 0.8, 0.8)}},
		{"odbc pwd", "Driver={ODBC Driver 18};Server=db1;Database=hr;Uid=hr_app;Pwd=q8Z!kd93Lm;",
			[]want{w("connection_string", "q8Z!kd93Lm", 0.8, 0.8)}},
		{"ado password with dots", "Server=tcp:hr1.database.windows.net,1433;User ID=hr;Password=WmdnYGNngiKE.D..IU;Encrypt=True;",
			[]want{w("connection_string", "WmdnYGNngiKE.D..IU", 0.8, 0.8)}},
		{"placeholder password", "postgres://user:password@localhost:5432/db", []want{w("connection_string", "password", 0, 0.3)}},
		{"template password", "postgres://app:${DB_PASSWORD}@db/app", nil},
		{"no credentials", "postgres://localhost/db", nil},
		{"user only", "https://alice@git.example.org/repo.git", nil},
		{"plain url", "see https://example.com/a/b?c=d#e for details", nil},
	})
}

// Ensure password assignments are found in their common forms.
func TestPasswords(t *testing.T) {
	run(t, []tcase{
		{"env", "DB_PASSWORD=Tr0ub4dor!3x", []want{w("password", "Tr0ub4dor!3x", 0.8, 0.8)}},
		{"yaml", "database:\n  user: app\n  password: hunter2x\n", []want{w("password", "hunter2x", 0.7, 0.7)}},
		{"json", `{"username": "app", "password": "S3cr3t!pass"}`, []want{w("password", "S3cr3t!pass", 0.8, 0.8)}},
		{"php arrow", `'password' => 'letmein99',`, []want{w("password", "letmein99", 0.7, 0.7)}},
		{"go short decl", `passwd := "qwerty12"`, []want{w("password", "qwerty12", 0.7, 0.7)}},
		{"flag", "mysql -u root --password Zx81!ab3 -h db", []want{w("password", "Zx81!ab3", 0.7, 0.7)}},
		{"flag equals", "psql --password=Zx81!ab3", []want{w("password", "Zx81!ab3", 0.7, 0.7)}},
		{"pwd", "pwd=abcd1234", []want{w("password", "abcd1234", 0.7, 0.7)}},
		{"env word", "PASSWORD=letmeinnow", []want{w("password", "letmeinnow", 0.6, 0.6)}},
		{"code with digits", "password = hunter22", []want{w("password", "hunter22", 0.7, 0.7)}},
		{"camel", `dbPassword: "correct horse battery staple"`, []want{w("password", "correct horse battery staple", 0.7, 0.7)}},
		{"prose with a real password", "Your temporary password: Summer2024! please change it",
			[]want{w("password", "Summer2024!", 0.5, 0.5)}},
		{"secret literal", `client_secret = "Fz8!kq2Lp"`, []want{w("password", "Fz8!kq2Lp", 0.5, 0.5)}},
		{"escaped json", `{\"password\": \"N0tS0S3cret\"}`, []want{w("password", "N0tS0S3cret", 0.8, 0.8)}},
	})
}

// Ensure passwords and secrets written in sentences are found, and
// sentences that only mention them are not.
func TestProse(t *testing.T) {
	g := newGen(14)
	r32, hex40 := g.str(alnum, 32), g.str(hexLower, 40)
	run(t, []tcase{
		{"is", "My Workday password is QS3ahBr20yVO and it still says invalid.", []want{w("password", "QS3ahBr20yVO", 0.7, 0.8)}},
		{"words then colon", "Temp password for the new starter laptop: T5MQRaPQOxOd9nn (please change it)",
			[]want{w("password", "T5MQRaPQOxOd9nn", 0.7, 0.8)}},
		{"german", "Mein neues Passwort lautet thistle-harbour-52!, funktioniert aber nicht.",
			[]want{w("password", "thistle-harbour-52!", 0.7, 0.8)}},
		{"spanish", "Mi contraseña es Nube!2024x", []want{w("password", "Nube!2024x", 0.6, 0.8)}},
		{"directly after", "user svc-hr, password Cobalt%602Orb, API key " + r32 + ".",
			[]want{w("password", "Cobalt%602Orb", 0.6, 0.6), w("generic_secret", r32, 0.55, 0.8)}},
		{"identifier is", "The API client_secret is " + r32 + ", rotate it?", []want{w("generic_secret", r32, 0.55, 0.8)}},
		{"api token", "uses the API token " + hex40 + "; regenerate it", []want{w("generic_secret", hex40, 0.55, 0.8)}},
		{"is now", "the password is now Blue-Fox-77 for everyone", []want{w("password", "Blue-Fox-77", 0.6, 0.8)}},
		{"word", "my password is hunter and it works", nil},
		{"expired", "My password expired on 12.03.2024, can you reset it?", nil},
		{"too long", "The password is too long for the form.", nil},
		{"placeholder", "Login with username admin and password <your password>, is that the default?", nil},
		{"secret santa", "Is the Secret Santa budget 20 or 25 this year?", nil},
		{"token word", "a token of thanks; the key is patience", nil},
		{"key number", "The key is 42 and the token count is 4096.", nil},
		{"ssh key host", "the SSH key for the payroll box (10.1.2.3) is attached", nil},
		{"plural", "Passwords 8Hx!k2Lm9q are not allowed in chat", nil},
		{"env name", "Which of OPENAI_API_KEY, SLACK_BOT_TOKEN and GITHUB_TOKEN does the bot need?", nil},
		{"url after", "the token is https://example.com/t/abc123DEF456ghi789 see", nil},
	})
}

// Ensure random values after key words are generic secrets and AWS secret
// keys are recognised by their context.
func TestGenericAndAWSSecret(t *testing.T) {
	g := newGen(5)
	r1, r2, hex32 := g.str(alnum, 32), g.str(b64url, 24), g.str(hexLower, 32)
	aws1, aws2 := g.str(b64chars, 40), g.str(b64chars, 40)
	run(t, []tcase{
		{"api key", "api_key: " + r1, []want{w("generic_secret", r1, 0.55, 0.8)}},
		{"bearer", "curl -H 'Authorization: Bearer " + r2 + "' https://api.example.com", []want{w("generic_secret", r2, 0.55, 0.8)}},
		{"hex secret", "WEBHOOK_SECRET=" + hex32, []want{w("generic_secret", hex32, 0.55, 0.8)}},
		{"query token", "GET /feed?token=" + r2 + "&page=2", []want{w("generic_secret", r2, 0.55, 0.8)}},
		{"phrase", "Here is the API key: " + r1, []want{w("generic_secret", r1, 0.55, 0.8)}},
		{"aws secret", "aws_secret_access_key = " + aws1, []want{w("aws_secret_key", aws1, 0.8, 0.8)}},
		{"aws secret json", `"SecretAccessKey": "` + aws2 + `",`, []want{w("aws_secret_key", aws2, 0.8, 0.8)}},
		{"aws secret example", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			[]want{w("aws_secret_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 0, 0.3)}},
		{"basic auth", "Authorization: Basic YWRtaW46czNjcjN0UGFzcw==", []want{w("password", "YWRtaW46czNjcjN0UGFzcw==", 0.8, 0.8)}},
	})
}

// Ensure look-alikes and ordinary text do not fire.
func TestHardNegatives(t *testing.T) {
	run(t, []tcase{
		{"uuid", "request 123e4567-e89b-12d3-a456-426614174000 failed; retry with id 9b2f0c1e-4d7a-4c3b-9e8f-1a2b3c4d5e6f", nil},
		{"uuid after key", `"idempotency_key": "9b2f0c1e-4d7a-4c3b-9e8f-1a2b3c4d5e6f"`, nil},
		{"uuid after api key", `api_key = 9b2f0c1e-4d7a-4c3b-9e8f-1a2b3c4d5e6f`, nil},
		{"commit sha", "Fixed in commit 3f786850e387550fdab836ed7e6dc881de23001b, see a1b2c3d.", nil},
		{"hex colours", "body { color: #1a2b3c; background: #ff00aa; }", nil},
		{"data uri", `<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">`, nil},
		{"data uri after key", `avatar_key: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk`, nil},
		{"sha256 sum", "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  app.tar.gz", nil},
		{"sha256 equals", "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", nil},
		{"token of appreciation", "Please accept this gift as a token of appreciation. The key to success is patience.", nil},
		{"forgot password", "I forgot my password, how do I reset it?", nil},
		{"reset password", "Password: reset it using the link below.", nil},
		{"password rules", "Your password must be at least 8 characters.", nil},
		{"key sentence", "The key: consistency and patience.", nil},
		{"api key sentence", "api key: see the dashboard", nil},
		{"max tokens", "max_tokens: 4096\ntokenizer: cl100k_base\ntoken_type: bearer", nil},
		{"public key", "public_key = AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", nil},
		{"primary key", "primary_key = 8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c", nil},
		{"word with sk-", "task-abcdefghijklmnopqrstuvwxyz0123 and disk-T3BlbkFJabcdefghijklmnopqrstuvwxyz", nil},
		{"upper words", "ASKED THE DESK ABOUT ASIA AND AKIA", nil},
		{"aws key too long", "AKIAIOSFODNN7EXAMPLEX", nil},
		{"github mention", "Use a GitHub token (ghp_...) or gho_ prefix.", nil},
		{"public key block", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----", nil},
		{"certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", nil},
		{"times and headers", "SUBJECT: Invoice|DATE: Tue, 01 Feb 2022 21:37:18 +0000|Note: pay by 10:30", nil},
		{"comparison", `if password == "" { return }`, nil},
		{"markdown rule", "----\n-- comment --\n---", nil},
		{"camelcase identifier", "const token = getUserAccessTokenFromCache;", nil},
		{"words joined", "secret_key = my_super_secret_value_2", nil},
		{"path", "s3_key = uploads/2024/avatars/profile-picture.png", nil},
	})
}

// Ensure placeholders are not reported as passwords, and documented
// examples of structured tokens are reported at 0.3 or less.
func TestPlaceholdersAndExamples(t *testing.T) {
	run(t, []tcase{
		{"angle", `password = "<password>"`, nil},
		{"stars", "password: ********", nil},
		{"changeme", "password=changeme", nil},
		{"env ref", "password: ${DB_PASSWORD}", nil},
		{"template", "password: {{ .Values.password }}", nil},
		{"xxx", "api_key: xxxxxxxxxxxxxxxxxxxxxxxx", nil},
		{"your token", `token = "your-token-here"`, nil},
		{"getenv", `password = os.getenv("DB_PASSWORD")`, nil},
		{"null", "password: null", nil},
		{"same as key", "PASSWORD=PASSWORD", nil},
		{"vault", "password: !vault |", nil},
		{"type annotation", "def login(user: str, password: Optional[str] = None, token: str = \"\"):", nil},
		{"call", "password = input(\"Password: \")", nil},
		{"variable", "password = new_password\napi_key = settings_api_key", nil},
		{"sql parameter", "UPDATE users SET password = :password WHERE id = ?", nil},
		{"typescript", "interface Login { password: string; token?: string }", nil},
		{"go short decl", "for _, psk := range m.pskIdentities {", nil},
		{"go struct field", "{name: \"link PWD\", pwd: link},", nil},
		{"constant naming a secret", `reasonBadPassword = "bad_password"; jsFetchCreds = "js.fetch:credentials"`, nil},
		{"registry path", "const onedrivekey = `SOFTWARE\\Microsoft\\OneDrive`", nil},
		{"sealed marker", `TOTPSecret: "v1:sealed-secret",`, nil},
		{"colon list", "// groupname:password:GID:user_list", nil},
		{"port as userinfo", "https://hr.example.com:443@evil.example/x", nil},
		{"markdown code", "the `password=` of the `key=value` form", nil},
		{"test output", "--- PASS: TestLogin (0.00s)\nPASS: TestLogout\nok  \tpkg\t0.01s", nil},
		{"code assignment", "pwd = name // always absolute", nil},
		{"working directory", "env: { PWD: '/Users/maciej', HOME: '~/x' }\nPWD=/home/app", nil},
		{"sentence naming the secret", "const password = 'Password used to generate key'; passphrase: 'top secret',", nil},
		{"public key pin", "const pubkey256 = 'SIXvRyDmBJSgatgTQRGbInBaAK+hZOQ18UmrSwnDlK8=';", nil},
		{"aws documented example", "AKIAIOSFODNN7EXAMPLE", []want{w("aws_access_key", "AKIAIOSFODNN7EXAMPLE", 0, 0.3)}},
		{"aws one char", "AKIAAAAAAAAAAAAAAAAA", []want{w("aws_access_key", "AKIAAAAAAAAAAAAAAAAA", 0, 0.3)}},
		{"github xxx", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", []want{w("github_token", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 0.3)}},
		{"stripe counting", "sk_live_1234567890abcdefghijklmn", []want{w("stripe_key", "sk_live_1234567890abcdefghijklmn", 0, 0.3)}},
		{"slack webhook example", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
			[]want{w("slack_webhook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", 0, 0.3)}},
	})
}

// Ensure overlapping claims resolve to the most specific rule.
func TestOverlapResolution(t *testing.T) {
	g := newGen(6)
	ghp := g.checksummed("ghp_")
	j := g.jwt(`{"alg":"HS256"}`, `{"sub":"42"}`)
	run(t, []tcase{
		{"token assignment", "GITHUB_TOKEN: " + ghp, []want{w("github_token", ghp, 0.99, 0.99)}},
		{"password is a token", `password = "` + ghp + `"`, []want{w("github_token", ghp, 0.99, 0.99)}},
		{"token in url", "https://x-access-token:" + ghp + "@github.com/o/r.git", []want{w("github_token", ghp, 0.99, 0.99)}},
		{"jwt after token", "id_token=" + j, []want{w("jwt", j, 0.95, 0.95)}},
		{"two secrets", "a=1 token " + ghp + " and " + ghp, []want{w("github_token", ghp, 0.99, 0.99), w("github_token", ghp, 0.99, 0.99)}},
	})
}

// Ensure Options select rules and a minimum confidence, and Validate
// reports unknown rule ids.
func TestOptions(t *testing.T) {
	g := newGen(7)
	ghp := g.checksummed("ghp_")
	text := "token " + ghp + " key AKIAIOSFODNN7EXAMPLE password=hunter2x"

	only := New(Options{Rules: []string{"github_token"}})
	check(t, only, text, []want{w("github_token", ghp, 0.99, 0.99)})

	confident := New(Options{MinConfidence: 0.5})
	check(t, confident, text, []want{w("github_token", ghp, 0.99, 0.99), w("password", "hunter2x", 0.7, 0.7)})

	none := New(Options{Rules: []string{}})
	if got := none.Detect(nil, text); len(got) != 0 {
		t.Errorf("no rules enabled: got %v", got)
	}

	gcpOnly := New(Options{Rules: []string{"gcp_service_account"}})
	if got := gcpOnly.Detect(nil, g.pem("RSA")); len(got) != 0 {
		t.Errorf("gcp_service_account alone reported a plain private key: %v", got)
	}

	if err := (Options{Rules: []string{"github_token", "gitub_token"}}).Validate(); !errors.Is(err, ErrUnknownRule) {
		t.Errorf("Validate: got %v, want ErrUnknownRule", err)
	}
	if err := (Options{Rules: Rules()}).Validate(); err != nil {
		t.Errorf("Validate(all rules): %v", err)
	}
	if New(Options{}).Name() != "secrets" {
		t.Error("Name is not secrets")
	}
}

// Ensure Rules lists twenty distinct ids and Detect appends to dst.
func TestRulesAndAppend(t *testing.T) {
	ids := Rules()
	if len(ids) != 20 {
		t.Fatalf("Rules: %d ids, want 20", len(ids))
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(ids) {
		t.Fatalf("Rules has duplicates: %v", ids)
	}
	ids[0] = "changed"
	if Rules()[0] == "changed" {
		t.Fatal("Rules returns shared state")
	}
	prior := []detect.Finding{{Type: "email", Category: detect.PII, Start: 0, End: 1}}
	got := New(Options{}).Detect(prior, "password=hunter2x token "+newGen(8).checksummed("ghp_"))
	if len(got) != 3 || got[0].Type != "email" {
		t.Fatalf("Detect did not append: %v", got)
	}
}

// Ensure keyword scanning finds keywords at text edges, in either case for
// folding keywords, and that the pre-filter stops at few bytes of prose.
func TestMatcher(t *testing.T) {
	d := New(Options{})
	prose, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		t.Fatal(err)
	}
	stops := 0
	for p := 1; p < len(prose); p++ {
		if d.m.class[prose[p]]&(d.m.class[prose[p-1]]>>4) != 0 {
			stops++
		}
	}
	if stops > len(prose)/50 {
		t.Errorf("the pre-filter stops at %d of %d bytes of prose; it is getting expensive", stops, len(prose))
	}
	g := newGen(9)
	key := g.str(b64chars, 86) + "=="
	for _, text := range []string{"AccountKey=" + key, "ACCOUNTKEY=" + key, "accountkey=" + key} {
		check(t, d, text, []want{w("azure_storage_key", key, 0.9, 0.9)})
	}
	aws := g.awsKey("AKIA")
	for _, text := range []string{aws, aws + "\n", "\x00" + aws, "é" + aws + "é"} {
		check(t, d, text, []want{w("aws_access_key", aws, 0.9, 0.9)})
	}
}

// Ensure the GitHub/npm checksum matches an independent implementation.
func TestBase62Checksum(t *testing.T) {
	g := newGen(10)
	for range 200 {
		tok := g.checksummed("ghp_")
		if !base62Checksum(tok[4:]) {
			t.Fatalf("valid checksum rejected: %s", tok)
		}
		bad := tok[:39] + string(alnum[(strings.IndexByte(alnum, tok[39])+1)%62])
		if base62Checksum(bad[4:]) {
			t.Fatalf("broken checksum accepted: %s", bad)
		}
	}
	if base62Checksum("short") {
		t.Fatal("short body accepted")
	}
}

func TestEntropy(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, c := range []struct {
		s    string
		want float64
	}{
		{"", 0}, {"aaaa", 0}, {"ab", 1}, {"abcd", 2}, {"aabb", 1}, {string(all), 8},
	} {
		if got := Entropy(c.s); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("Entropy(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}
