// Palisade's own page: ask an agent as the signed-in user. Every call gets
// a short-lived session token from /auth/token (same-origin, cookie) and
// uses it as a bearer credential on the OpenAI-compatible API, so the page
// goes through exactly the checks any client does. Answers are shown as
// text, never as HTML.
"use strict";

async function sessionToken() {
  const r = await fetch("/auth/token", { method: "POST", credentials: "same-origin" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.code + ": " + body.error.message : "status " + r.status);
  return body.token;
}

function show(id, text, isError) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = isError ? "error" : "";
}

async function loadAgents() {
  const select = document.getElementById("agent");
  try {
    const r = await fetch("/v1/models", { headers: { Authorization: "Bearer " + (await sessionToken()) } });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error.code + ": " + body.error.message);
    select.replaceChildren();
    for (const m of body.data) {
      const o = document.createElement("option");
      o.value = m.id;
      o.textContent = m.description ? m.id + " — " + m.description : m.id;
      select.appendChild(o);
    }
    document.getElementById("ask").disabled = body.data.length === 0;
    if (body.data.length === 0) show("answer", "No agent is available to you.", true);
  } catch (e) {
    show("answer", String(e.message || e), true);
  }
}

async function ask(ev) {
  ev.preventDefault();
  const question = document.getElementById("question").value.trim();
  const model = document.getElementById("agent").value;
  if (!question || !model) return;
  show("answer", "…", false);
  try {
    const r = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: { Authorization: "Bearer " + (await sessionToken()), "Content-Type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: question }] }),
    });
    const body = await r.json();
    if (!r.ok) {
      show("answer", body.error.code + ": " + body.error.message + " (audit event " + body.error.audit_event_id + ")", true);
      if (body.error.code === "mfa_required") offerStepUp(r.headers.get("WWW-Authenticate") || "");
      return;
    }
    show("answer", body.choices[0].message.content, false);
  } catch (e) {
    show("answer", String(e.message || e), true);
  }
}

// offerStepUp links to a new sign-in that asks the provider for what the
// RFC 9470 challenge names (acr_values, max_age).
function offerStepUp(challenge) {
  const form = document.getElementById("chat");
  const params = new URLSearchParams({ provider: form.dataset.provider, return_to: "/" });
  const acr = /acr_values="([^"]*)"/.exec(challenge);
  const age = /max_age="?(\d+)/.exec(challenge);
  if (acr) params.set("acr_values", acr[1]);
  params.set("max_age", age ? age[1] : "0");
  const a = document.createElement("a");
  a.id = "stepup";
  a.href = "/auth/login?" + params.toString();
  a.textContent = "Sign in again with a second factor";
  document.getElementById("answer").append(document.createElement("br"), a);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("chat");
  if (!form) return;
  form.addEventListener("submit", ask);
  loadAgents();
});
