// Passkeys on the sign-in page of Palisade's built-in identity provider.
//
// The page carries the WebAuthn options the server issued (a challenge
// kept with the sign-in request, answered once) in the data-options
// attribute of the passkey button. This script hands them to
// navigator.credentials, writes the answer into the button's form and
// submits that form, which carries the page's CSRF token like every
// other form of the provider. It is the page's only script
// (script-src 'self'); without it the passkey buttons stay hidden.
"use strict";
(function () {
  function fromB64u(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64u(buf) {
    let s = "";
    for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function options(button) {
    const o = JSON.parse(button.dataset.options).publicKey;
    o.challenge = fromB64u(o.challenge);
    if (o.user) o.user.id = fromB64u(o.user.id);
    for (const list of [o.allowCredentials, o.excludeCredentials]) {
      for (const c of list || []) c.id = fromB64u(c.id);
    }
    return o;
  }

  function encode(cred) {
    const r = cred.response;
    const out = {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: toB64u(r.clientDataJSON) },
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toB64u(r.attestationObject);
      if (typeof r.getTransports === "function") out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64u(r.authenticatorData);
      out.response.signature = toB64u(r.signature);
      if (r.userHandle) out.response.userHandle = toB64u(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function say(text) {
    const p = document.getElementById("passkey-status");
    if (!p) return;
    p.textContent = text;
    p.hidden = false;
  }

  function wire(id, ceremony) {
    const button = document.getElementById(id);
    if (!button || !window.PublicKeyCredential || !navigator.credentials) return;
    const box = button.closest("[data-passkey]") || button;
    box.hidden = false;
    button.addEventListener("click", async function () {
      button.disabled = true;
      try {
        const cred = await ceremony({ publicKey: options(button) });
        button.form.elements.credential.value = encode(cred);
        button.form.submit();
      } catch (e) {
        button.disabled = false;
        say(e && e.name === "NotAllowedError"
          ? "The passkey request was cancelled or timed out. Try again."
          : "This browser could not use a passkey.");
      }
    });
  }

  wire("passkey-signin", function (o) { return navigator.credentials.get(o); });
  wire("passkey-register", function (o) { return navigator.credentials.create(o); });
})();
