// strongauth browser client: a small, dependency-free ES module served by
// authhttp at <prefix>/client.js. Plain functions and classes that the
// host's own pages call, and a default UI (mountFlow) for pages that want
// one; no build step.
//
//   import { Flow, NCALayer, webauthnGet, mountFlow } from "/auth/client.js";
//   const flow = await Flow.start("/auth", "login");
//   const ch = await flow.begin("ecp");
//   const cms = await new NCALayer().sign(ch.data.ncalayer);
//   const d = await flow.finish("ecp", { cms });
//
// Nothing here stores a secret: the flow's binding lives in an HttpOnly
// cookie the script cannot read; the CSRF token is per flow and kept in
// memory only.

/**
 * An error answered by the server ({code, message}) or raised here. status
 * is the HTTP status (0 when none); retryAfter the seconds of the answer's
 * Retry-After header (0 when none), as a 429 "rate_limited" carries.
 */
export class AuthError extends Error {
  constructor(code, message, status, retryAfter) {
    super(message || code);
    this.name = "AuthError";
    this.code = code;
    this.status = status || 0;
    this.retryAfter = retryAfter || 0;
  }
}

/** The language ("kk", "ru" or "en") a tag such as "ru-RU" or "kz" names, or "". */
export function langOf(tag) {
  const t = String(tag || "").toLowerCase().split(/[-_]/)[0];
  if (t === "kk" || t === "kz") return "kk";
  if (t === "ru" || t === "en") return t;
  return "";
}

// retryAfter reads a Retry-After header (seconds, or an HTTP date).
function retryAfter(resp) {
  const v = (resp.headers.get("Retry-After") || "").trim();
  if (/^[0-9]+$/.test(v)) return parseInt(v, 10);
  const at = Date.parse(v);
  return isNaN(at) ? 0 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

// call makes one JSON request; o: {csrf, body, lang (sent as
// Accept-Language, so that the server's messages follow the flow), signal}.
async function call(method, url, o = {}) {
  const headers = { "Accept": "application/json" };
  if (o.csrf) headers["X-StrongAuth-CSRF"] = o.csrf;
  if (o.lang) headers["Accept-Language"] = o.lang;
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (o.signal) init.signal = o.signal;
  if (o.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(o.body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (e) {
    if (e && e.name === "AbortError") throw new AuthError("aborted", "The request was aborted.");
    throw new AuthError("network", "The server cannot be reached.");
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { /* empty body */ }
  if (!resp.ok) {
    throw new AuthError((data && data.code) || "http_" + resp.status, data && data.message, resp.status, retryAfter(resp));
  }
  return data;
}

/** Posts JSON to a host endpoint and resolves to its JSON answer, throwing AuthError on an error status. */
export function postJSON(url, body) { return call("POST", url, { body: body === undefined ? {} : body }); }

/** One authentication flow, bound to this browser by an HttpOnly cookie. */
export class Flow {
  constructor(base, view) {
    this.base = base.replace(/\/$/, "");
    this.id = view.flow;
    this.csrf = view.csrf;
    this.lang = view.lang || "";
    this.view = view;
  }

  /**
   * Starts a flow for action ("login", "sign-document", …). opts.lang
   * ("kk", "ru" or "en") is the flow's language: the server's messages
   * follow it, and so does the SMS of an account that has no language of
   * its own (see factors/sms).
   */
  static async start(base, action, opts = {}) {
    const lang = langOf(opts.lang);
    const body = lang ? { action, lang } : { action };
    const view = await call("POST", base.replace(/\/$/, "") + "/flows", { body, lang });
    return new Flow(base, view);
  }

  get url() { return this.base + "/flows/" + this.id; }

  /** Factors that may begin now (the server never offers sms first). */
  get offer() { return this.view.offer || []; }

  /** Begins a factor; resolves to its challenge {kind, data, expires_at}. */
  begin(kind, input) {
    return call("POST", this.url + "/begin/" + kind, { csrf: this.csrf, body: input === undefined ? {} : input, lang: this.lang });
  }

  /**
   * Finishes a factor; resolves to {allowed, alternatives, offer, subject?,
   * acr?, amr?}. With then (a kind), the server also begins that factor
   * when the flow needs it alone next, and adds its challenge as next (or
   * what the begin refused as next_error {code, message, retry_after}):
   * one round trip fewer.
   */
  async finish(kind, input, then) {
    const q = then ? "?then=" + encodeURIComponent(then) : "";
    const d = await call("POST", this.url + "/finish/" + kind + q, { csrf: this.csrf, body: input === undefined ? {} : input, lang: this.lang });
    this.view.offer = d.offer;
    this.view.alternatives = d.alternatives;
    return d;
  }

  /** The current state of the flow. */
  async decision() { this.view = Object.assign(this.view, await call("GET", this.url + "/decision", { lang: this.lang })); return this.view; }

  /**
   * Watches the flow: calls onChange(view) on every change until the flow is
   * no longer open. Uses Server-Sent Events (which reconnect on their own),
   * falling back to long polling when the stream is refused. Returns a
   * function that stops watching.
   */
  watch(onChange) {
    let stopped = false;
    let es = null;
    const stop = () => { stopped = true; if (es) es.close(); };
    if (typeof EventSource === "function") {
      es = new EventSource(this.url + "/status", { withCredentials: true });
      es.addEventListener("flow", (ev) => {
        const v = JSON.parse(ev.data);
        this.view = Object.assign(this.view, v);
        onChange(v);
        if (v.state !== "open") stop();
      });
      es.addEventListener("error", (ev) => {
        if (stopped) return;
        if (ev.data) { // the server's own error event: {code}
          let code = "error";
          try { code = JSON.parse(ev.data).code; } catch (e) { /* keep */ }
          stop();
          onChange({ state: "error", code });
          return;
        }
        if (es.readyState === EventSource.CLOSED) { // refused: poll instead
          es = null;
          this._poll(onChange, () => stopped);
        } // otherwise EventSource reconnects by itself
      });
    } else {
      this._poll(onChange, () => stopped);
    }
    return stop;
  }

  async _poll(onChange, isStopped) {
    let since = this.view.version || 0;
    while (!isStopped()) {
      let v;
      try {
        v = await call("GET", this.url + "/status?wait=25&since=" + since, { lang: this.lang });
      } catch (e) {
        onChange({ state: "error", code: e.code });
        return;
      }
      if (v.version !== since) {
        since = v.version;
        this.view = Object.assign(this.view, v);
        onChange(v);
      }
      if (v.state !== "open") return;
    }
  }
}

// ---------------------------------------------------------------- NCALayer

/**
 * A client of NCALayer, the NCA's local signer (wss://127.0.0.1:13579), for
 * the kz.gov.pki.knca.basics module. sign() resolves to the CMS text NCALayer
 * returns (PEM or base64), which the ECP factor's finish accepts as is
 * ({cms}). Errors: ncalayer_unavailable (not running), ncalayer_cancelled
 * (the user closed the dialog), ncalayer_error, ncalayer_timeout.
 */
export class NCALayer {
  constructor(url = "wss://127.0.0.1:13579") {
    this.url = url;
    this.ws = null;
    this.version = null;
  }

  /** Opens the socket and waits for NCALayer's version message. */
  connect(timeoutMs = 5000) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.version);
    return new Promise((resolve, reject) => {
      let ws;
      const unavailable = () => new AuthError("ncalayer_unavailable", "NCALayer is not running. Start NCALayer and try again.");
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        reject(unavailable());
        return;
      }
      const timer = setTimeout(() => { ws.close(); reject(unavailable()); }, timeoutMs);
      ws.onerror = () => { clearTimeout(timer); reject(unavailable()); };
      ws.onclose = () => { clearTimeout(timer); reject(unavailable()); };
      ws.onmessage = (msg) => {
        let m = {};
        try { m = JSON.parse(msg.data); } catch (e) { /* ignore */ }
        clearTimeout(timer);
        this.ws = ws;
        this.version = (m.result && m.result.version) || "unknown";
        resolve(this.version);
      };
    });
  }

  /** Sends one request ({module, method, args}) and resolves to the reply. */
  request(req, timeoutMs = 10 * 60 * 1000) {
    return new Promise((resolve, reject) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new AuthError("ncalayer_unavailable", "NCALayer is not connected."));
        return;
      }
      const timer = setTimeout(() => reject(new AuthError("ncalayer_timeout", "NCALayer did not answer.")), timeoutMs);
      ws.onmessage = (msg) => {
        if (msg.data === "--heartbeat--") return;
        clearTimeout(timer);
        try { resolve(JSON.parse(msg.data)); } catch (e) { reject(new AuthError("ncalayer_protocol", "NCALayer sent an unreadable answer.")); }
      };
      ws.onclose = () => { clearTimeout(timer); this.ws = null; reject(new AuthError("ncalayer_unavailable", "NCALayer closed the connection.")); };
      ws.send(JSON.stringify(req));
    });
  }

  /**
   * Sends a signing request (basics.sign, CMS or XML, or the legacy
   * commonUtils.signXml); resolves to the CMS or the signed XML document.
   */
  async sign(req) {
    await this.connect();
    const r = await this.request(req);
    if (r.status === true) {
      const result = r.body && r.body.result;
      const cms = Array.isArray(result) ? result[0] : result;
      if (!cms) throw new AuthError("ncalayer_cancelled", "Signing was cancelled.");
      return cms;
    }
    if (r.status === false) {
      const code = String(r.code || "");
      if (/cancel/i.test(code) || /cancel|отмен/i.test(r.message || "")) {
        throw new AuthError("ncalayer_cancelled", "Signing was cancelled.");
      }
      throw new AuthError("ncalayer_error", r.message || "NCALayer refused to sign.");
    }
    // The older commonUtils shape {code: "200", responseObject}.
    if (r.code === "200" && r.responseObject) return r.responseObject;
    throw new AuthError("ncalayer_error", r.message || "NCALayer refused to sign.");
  }

  close() { if (this.ws) this.ws.close(); this.ws = null; }
}

// ---------------------------------------------------------------- WebAuthn

function b64uToBuf(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function bufToB64u(buf) {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Turns JSON request options (base64url strings) into WebAuthn's ArrayBuffers. */
export function decodeRequestOptions(o) {
  const pk = Object.assign({}, o.publicKey || o);
  pk.challenge = b64uToBuf(pk.challenge);
  if (pk.allowCredentials) pk.allowCredentials = pk.allowCredentials.map((c) => Object.assign({}, c, { id: b64uToBuf(c.id) }));
  return { publicKey: pk, mediation: o.mediation };
}

/** Turns JSON creation options into WebAuthn's ArrayBuffers. */
export function decodeCreationOptions(o) {
  const pk = Object.assign({}, o.publicKey || o);
  pk.challenge = b64uToBuf(pk.challenge);
  pk.user = Object.assign({}, pk.user, { id: b64uToBuf(pk.user.id) });
  if (pk.excludeCredentials) pk.excludeCredentials = pk.excludeCredentials.map((c) => Object.assign({}, c, { id: b64uToBuf(c.id) }));
  return { publicKey: pk };
}

/** Serialises a PublicKeyCredential as JSON (WebAuthn Level 3 toJSON shape). */
export function credentialToJSON(c) {
  if (typeof c.toJSON === "function") return c.toJSON();
  const r = c.response;
  const out = { id: c.id, rawId: bufToB64u(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}, response: { clientDataJSON: bufToB64u(r.clientDataJSON) } };
  if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
  if (r.attestationObject) {
    out.response.attestationObject = bufToB64u(r.attestationObject);
    if (r.getTransports) out.response.transports = r.getTransports();
  } else {
    out.response.authenticatorData = bufToB64u(r.authenticatorData);
    out.response.signature = bufToB64u(r.signature);
    if (r.userHandle) out.response.userHandle = bufToB64u(r.userHandle);
  }
  return out;
}

function webauthnError(e) {
  if (e && e.name === "NotAllowedError") return new AuthError("webauthn_cancelled", "The request was cancelled or timed out.");
  if (e && e.name === "InvalidStateError") return new AuthError("webauthn_exists", "This authenticator is already registered.");
  if (e && e.name === "SecurityError") return new AuthError("webauthn_security", "This site is not allowed to use this authenticator.");
  return new AuthError("webauthn_error", (e && e.message) || "WebAuthn failed.");
}

/** navigator.credentials.get with JSON options; resolves to JSON. */
export async function webauthnGet(options) {
  if (!window.PublicKeyCredential) throw new AuthError("webauthn_unsupported", "This browser does not support passkeys.");
  try {
    return credentialToJSON(await navigator.credentials.get(decodeRequestOptions(options)));
  } catch (e) { throw webauthnError(e); }
}

/** navigator.credentials.create with JSON options; resolves to JSON. */
export async function webauthnCreate(options) {
  if (!window.PublicKeyCredential) throw new AuthError("webauthn_unsupported", "This browser does not support passkeys.");
  try {
    return credentialToJSON(await navigator.credentials.create(decodeCreationOptions(options)));
  } catch (e) { throw webauthnError(e); }
}

/**
 * Whether this browser can offer passkeys in a field's autofill
 * (WebAuthn conditional mediation): resolves to true or false, never throws.
 */
export async function conditionalMediationAvailable() {
  try {
    return !!(window.PublicKeyCredential && typeof PublicKeyCredential.isConditionalMediationAvailable === "function" &&
      await PublicKeyCredential.isConditionalMediationAvailable());
  } catch (e) { return false; }
}

/**
 * Passkey autofill: offers the site's passkeys in the autofill of a field
 * marked autocomplete="username webauthn" (conditional mediation) while the
 * page shows its other choices. It begins the flow's webauthn factor (a
 * discoverable login: the server learns the account from the passkey),
 * keeps one request pending — renewed before the challenge expires — and,
 * when the user picks a passkey, finishes the factor.
 *
 * Returns {done, abort, state}: done resolves to the finish answer
 * ({allowed, …}), or to null when autofill is unavailable, was aborted,
 * could not begin or the browser declined; it rejects with an AuthError
 * when the server refuses the passkey the user picked. abort() cancels the pending request and resolves
 * once the browser has let go of it, so that a ceremony started by a
 * button (webauthnGet) may take over. opts: {input (an element whose
 * data-autofill shows the state: "pending", "aborted", "done", "off",
 * "refused"), renewMs (how long before expiry to renew, 5000)}.
 */
export function passkeyAutofill(flow, opts = {}) {
  let ctl = null;
  let stopped = false;
  let renew = null;
  const ctrl = { state: "starting" };
  const mark = (s) => { ctrl.state = s; if (opts.input) opts.input.dataset.autofill = s; };
  const attempt = async () => {
    let ch;
    try {
      ch = await flow.begin("webauthn");
    } catch (e) {
      return null; // autofill is an offer: if the server will not begin, the buttons remain
    }
    if (stopped) return undefined;
    const options = decodeRequestOptions(ch.data);
    ctl = new AbortController();
    options.mediation = "conditional";
    options.signal = ctl.signal;
    const left = Date.parse(ch.expires_at) - Date.now() - (opts.renewMs || 5000);
    let expired = false;
    if (left > 0) renew = setTimeout(() => { expired = true; ctl.abort(); }, left);
    mark("pending");
    let cred;
    try {
      cred = await navigator.credentials.get(options);
    } catch (e) {
      if (expired && !stopped) return "renew";
      return null; // aborted, or declined by the browser: no autofill
    } finally { clearTimeout(renew); }
    if (!cred || stopped) return null;
    return flow.finish("webauthn", credentialToJSON(cred));
  };
  ctrl.done = (async () => {
    if (!(await conditionalMediationAvailable())) { mark("off"); return null; }
    for (;;) {
      if (stopped) { mark("aborted"); return null; }
      let d;
      try { d = await attempt(); } catch (e) { mark("refused"); throw e; }
      if (d === "renew") continue;
      if (d === null || d === undefined) { mark(stopped ? "aborted" : "off"); return null; }
      mark("done");
      return d;
    }
  })();
  ctrl.abort = async () => {
    stopped = true;
    if (ctl) ctl.abort();
    try { await ctrl.done; } catch (e) { /* the caller has moved on */ }
  };
  return ctrl;
}

// ---------------------------------------------------------------- DOM helpers

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---------------------------------------------------------------- SMS code

// clock formats seconds as "0:42", "12:05" or "1:02:03".
function clock(s) {
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const two = (n) => (n < 10 ? "0" : "") + n;
  return h > 0 ? h + ":" + two(m) + ":" + two(sec) : m + ":" + two(sec);
}

// fill replaces {name} in a label.
function fill(label, values) { return String(label).replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m)); }

/**
 * Builds a form for a one-time code: an input with
 * autocomplete="one-time-code" (phones offer the code from the SMS) tied to
 * its label, hint and warning, and, where the browser has it, WebOTP
 * filling in the code from an origin-bound SMS. opts: {digits, phone,
 * labels, onCode(code) (called on submit; may return a promise), and for a
 * resend button: onResend() (may return a promise), resendIn (seconds until
 * the server sends another code: the button enables itself then, with a
 * countdown), sent (false when no code was sent yet — the server asked to
 * wait — so the input stays disabled until one is), onReady() (called when
 * the countdown ends)}. Returns {form, input, resend, sent(phone,
 * resendIn), wait(seconds), invalid(), abort}.
 */
export function smsCodeForm(opts) {
  const digits = opts.digits || 6;
  const t = Object.assign({}, LABELS.en, opts.labels);
  const input = el("input", {
    id: "sa-sms-code", name: "code", class: "sa-code", autocomplete: "one-time-code", inputmode: "numeric",
    pattern: "[0-9]{" + digits + "}", maxlength: String(digits), minlength: String(digits), required: true,
    spellcheck: "false", "aria-describedby": "sa-sms-hint sa-sms-warning sa-error",
  });
  const submit = el("button", { type: "submit", class: "sa-primary", id: "sa-sms-submit" }, t.confirm);
  const hint = el("p", { class: "sa-hint", id: "sa-sms-hint", tabindex: "-1" });
  const countdown = el("p", { class: "sa-countdown", id: "sa-sms-countdown", role: "timer", "aria-live": "off" });
  const resend = opts.onResend
    ? el("button", { type: "button", class: "sa-secondary sa-resend", id: "sa-sms-resend", "aria-describedby": "sa-sms-countdown" })
    : null;
  const form = el("form", { class: "sa-sms", "data-step": "sms", novalidate: true },
    hint,
    el("label", { class: "sa-label", for: "sa-sms-code" }, t.code), input,
    el("div", { class: "sa-actions" }, submit, resend),
    countdown,
    el("p", { class: "sa-warning", id: "sa-sms-warning" }, t.smsNeverTell));
  let timer = null;
  const stopTimer = () => { if (timer) clearInterval(timer); timer = null; };
  // wait shows a countdown of seconds and keeps the resend button
  // disabled until it ends; performance.now() is immune to clock changes.
  const wait = (seconds) => {
    stopTimer();
    const until = performance.now() + Math.max(0, Number(seconds) || 0) * 1000;
    let counted = false; // onReady only after a countdown
    const tick = () => {
      const left = Math.ceil((until - performance.now()) / 1000);
      if (left > 0) {
        counted = true;
        if (resend) resend.disabled = true;
        form.dataset.resendIn = String(left);
        countdown.textContent = fill(form.dataset.sent === "true" ? t.resendIn : t.sendIn, { time: clock(left) });
        return;
      }
      stopTimer();
      if (resend) resend.disabled = false;
      form.dataset.resendIn = "0";
      countdown.textContent = "";
      if (counted && opts.onReady) opts.onReady();
      counted = false;
    };
    tick();
    if (form.dataset.resendIn !== "0") timer = setInterval(tick, 250);
  };
  // sent shows that a code went to phone (or not, while the server asks to
  // wait) and starts the countdown to the next one.
  const sent = (phone, resendIn, yes = true) => {
    form.dataset.sent = String(yes);
    input.disabled = !yes;
    submit.disabled = !yes;
    if (yes) {
      hint.textContent = phone ? t.smsSentTo + " " + phone : t.smsSent;
    } else {
      hint.textContent = t.smsWait;
    }
    if (resend) resend.textContent = yes ? t.resend : t.sendCode;
    wait(resendIn);
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = input.value.replace(/\s+/g, "");
    if (!new RegExp("^[0-9]{" + digits + "}$").test(code)) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    submit.disabled = true;
    try { await opts.onCode(code); } finally { submit.disabled = form.dataset.sent !== "true"; }
  });
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  if (resend) {
    resend.addEventListener("click", async () => {
      if (resend.disabled) return;
      resend.disabled = true;
      try { await opts.onResend(); } finally { if (form.dataset.resendIn === "0") resend.disabled = false; }
    });
  }
  const ctl = typeof AbortController === "function" ? new AbortController() : null;
  if (ctl && "OTPCredential" in window) {
    navigator.credentials.get({ otp: { transport: ["sms"] }, signal: ctl.signal })
      .then((otp) => { if (otp && otp.code && !input.disabled) { input.value = otp.code; form.requestSubmit(); } })
      .catch(() => { /* typed by hand */ });
  }
  sent(opts.phone, opts.resendIn || 0, opts.sent !== false);
  return {
    form, input, resend, hint, sent, wait,
    invalid: () => { input.setAttribute("aria-invalid", "true"); input.select(); },
    abort: () => { stopTimer(); if (ctl) ctl.abort(); },
  };
}

// resendIn is how many seconds a challenge of the sms factor asks to wait
// before the next code: its resend_in, else from resend_at.
function resendIn(ch) {
  const d = (ch && ch.data) || {};
  if (typeof d.resend_in === "number") return d.resend_in;
  const at = Date.parse(d.resend_at || "");
  return isNaN(at) ? 0 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

// ---------------------------------------------------------------- QR

/**
 * Shows a cross-device QR login in container and resolves when the phone
 * approved (or rejects with AuthError when it was denied, failed or
 * expired). The code changes every second (refresh_ms) and works only for
 * this browser; once the phone has scanned it, the code gives way to the
 * number to pick on the phone ("number matching"). opts: {qrBase (the QR
 * factor's browser endpoints, e.g. "/qr/browser"), flow, data (the qr
 * challenge's data), labels}. Returns {done, stop, cancel, status}: stop()
 * stops watching; cancel() also abandons the session on the server (POST
 * <qrBase>/<flow>/cancel: the code no longer works, the flow stays open
 * for another factor) and rejects done with AuthError "qr_cancelled";
 * status is the element that says what to do (a focus target).
 */
export function showQR(container, opts) {
  const t = Object.assign({}, LABELS.en, opts.labels);
  const base = opts.qrBase.replace(/\/$/, "") + "/" + opts.flow.id;
  const lang = opts.flow.lang || "";
  const img = el("img", { class: "sa-qr-image", id: "sa-qr-image", alt: t.qrAlt, width: "240", height: "240" });
  const number = el("div", { class: "sa-qr-number", id: "sa-qr-number", hidden: true, "aria-live": "polite" });
  const egov = opts.data && opts.data.mode === "mobile-sign";
  const status = el("p", { class: "sa-qr-status", id: "sa-qr-status", role: "status", "aria-live": "polite", tabindex: "-1" },
    egov ? t.qrScanEgov : t.qrScan);
  const box = el("div", { class: "sa-qr", "data-step": "qr", "data-qr-state": "pending" }, img, status, number);
  container.append(box);
  let frame = 0;
  const refresh = (opts.data && opts.data.refresh_ms) || 0;
  const show = () => { img.src = base + "/frame.svg?n=" + (frame++); };
  show();
  const timer = refresh > 0 ? setInterval(show, Math.max(500, refresh)) : null;
  let es = null;
  let stopped = false;
  const ctl = typeof AbortController === "function" ? new AbortController() : null;
  const stop = () => {
    stopped = true;
    if (timer) clearInterval(timer);
    if (es) es.close();
    if (ctl) ctl.abort();
  };
  let settle = null;
  const done = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  let settled = false;
  const finish = (ok, v) => {
    if (settled) return;
    settled = true;
    stop();
    if (ok) settle.resolve(v); else settle.reject(v);
  };
  const fail = (code, message) => {
    if (settled) return;
    box.dataset.qrState = "error";
    finish(false, new AuthError(code, message));
  };
  const onStatus = (s) => {
    if (settled) return;
    box.dataset.qrState = s.state;
    if (s.number) {
      number.hidden = false;
      number.textContent = String(s.number);
    }
    switch (s.state) {
      case "scanned":
        if (timer) clearInterval(timer);
        img.hidden = true;
        status.textContent = s.number ? t.qrPick : t.qrScanned;
        break;
      case "approved": status.textContent = s.signer ? t.qrSigned : t.qrApproved; finish(true, s); break;
      case "denied": fail("fraud_reported", t.qrDenied); break;
      case "failed": fail("verification_failed", t.error); break;
      case "expired": fail("expired", t.qrExpired); break;
    }
  };
  const poll = async () => {
    let after = "";
    while (!stopped) {
      try {
        const s = await call("GET", base + "/status?wait=25" + (after ? "&after=" + encodeURIComponent(after) : ""),
          { lang, signal: ctl ? ctl.signal : undefined });
        after = s.state;
        onStatus(s);
      } catch (e) { fail(e.code, e.message); return; }
    }
  };
  if (typeof EventSource === "function") {
    es = new EventSource(base + "/status", { withCredentials: true });
    es.addEventListener("status", (ev) => onStatus(JSON.parse(ev.data)));
    es.addEventListener("error", (ev) => {
      if (stopped) return;
      if (ev.data) { // the server's own error event: {code, reason}
        let code = "error";
        try { code = JSON.parse(ev.data).code; } catch (e) { /* keep */ }
        fail(code, t.error);
        return;
      }
      if (es.readyState === EventSource.CLOSED) { es = null; poll(); } // refused: poll instead
    });
  } else {
    poll();
  }
  const cancel = async () => {
    if (settled) return;
    settled = true;
    stop();
    box.dataset.qrState = "cancelled";
    try {
      await call("POST", base + "/cancel", { body: {}, lang });
    } catch (e) { /* the session expires by itself */ }
    settle.reject(new AuthError("qr_cancelled", t.qrCancelled));
  };
  return { done, stop, cancel, status };
}

/**
 * Asks the user to confirm who signed an eGov Mobile (mode B) session
 * before it creates the session: "Signed in as <name> — continue?". Mode B
 * has no number matching, so whoever saw the code could have answered it
 * with their own key; the server refuses the finish without this
 * confirmation. signer is the status's {name, confirm}. Resolves to the
 * finish input {confirm} on "Continue"; rejects with AuthError "declined"
 * on "Not me".
 */
export function confirmSigner(container, signer, labels) {
  const t = Object.assign({}, LABELS.en, labels);
  return new Promise((resolve, reject) => {
    const answer = (ok) => {
      box.remove();
      if (ok) resolve({ confirm: signer.confirm });
      else reject(new AuthError("declined", t.qrNotMeDone));
    };
    const yes = el("button", { type: "button", class: "sa-primary", id: "sa-qr-continue", onclick: () => answer(true) }, t.qrContinue);
    const no = el("button", { type: "button", class: "sa-secondary", id: "sa-qr-not-me", onclick: () => answer(false) }, t.qrNotMe);
    const box = el("div", { class: "sa-qr-confirm", "data-step": "confirm-signer", role: "alertdialog",
      "aria-labelledby": "sa-qr-signer", "aria-describedby": "sa-qr-not-me-hint" },
    el("p", { id: "sa-qr-signer" }, t.qrSignedAs + " ", el("strong", { id: "sa-qr-signer-name" }, signer.name), " — " + t.qrContinueAsk),
    el("p", { class: "sa-hint", id: "sa-qr-not-me-hint" }, t.qrNotMeHint),
    el("div", { class: "sa-actions" }, yes, no));
    container.append(box);
    yes.focus();
  });
}

// ---------------------------------------------------------------- default UI

/**
 * Labels of the default UI, per language ("kk", "ru", "en"). {time} in a
 * label is replaced by a countdown ("0:42"). errors maps the codes raised
 * in the browser (NCALayer, WebAuthn, network) to messages; the server's
 * messages come in the flow's language already.
 */
export const LABELS = {
  en: {
    title: "Confirm it is you", ecp: "Digital signature (ECP, NCALayer)", webauthn: "Passkey or biometrics",
    qr: "QR code on your phone", qrEgov: "QR code in eGov Mobile (ECP)", sms: "SMS code", code: "Code from the SMS", confirm: "Confirm",
    smsSent: "We sent a code to the phone bound to your account.", smsSentTo: "We sent a code to",
    smsNeverTell: "Never tell this code to anyone — no bank, police officer or employee will ever ask for it.",
    smsWait: "A new code cannot be sent to this phone yet.", resend: "Send a new code", sendCode: "Send the code",
    resendIn: "You can ask for a new code in {time}.", sendIn: "You can ask for a code in {time}.",
    resendReady: "You can ask for a new code now.", smsResent: "We sent a new code.",
    signing: "Sign in NCALayer…", waitingKey: "Follow your browser's prompt…", done: "Confirmed.",
    qrAlt: "QR code to scan with your phone", qrScan: "Scan the QR code with your phone.", qrScanEgov: "Scan the QR code in eGov Mobile and sign with your ECP.",
    qrScanned: "Scanned. Confirm on your phone.", qrPick: "On your phone, pick this number:",
    qrApproved: "Approved on your phone.", qrDenied: "The request was refused on the phone.",
    qrSigned: "Signed in eGov Mobile.", qrSignedAs: "Signed in as", qrContinueAsk: "continue?",
    qrContinue: "Continue", qrNotMe: "Not me", qrNotMeHint: "If this is not your name, someone else signed with their own key: do not continue.",
    qrNotMeDone: "Not continued. Choose again.", qrCancelled: "The QR code was cancelled.", back: "Choose another way",
    qrExpired: "The QR code expired. Start again.", error: "Something went wrong.", again: "Start again",
    next: "One more step:", choose: "Choose how to confirm:",
    errors: {
      ncalayer_unavailable: "NCALayer is not running. Start NCALayer and try again.",
      ncalayer_cancelled: "Signing was cancelled.",
      ncalayer_timeout: "NCALayer did not answer.",
      webauthn_cancelled: "The request was cancelled or timed out.",
      webauthn_unsupported: "This browser does not support passkeys.",
      network: "The server cannot be reached.",
    },
  },
  ru: {
    title: "Подтвердите, что это вы", ecp: "ЭЦП (NCALayer)", webauthn: "Ключ доступа или биометрия",
    qr: "QR-код на телефоне", qrEgov: "QR-код в eGov Mobile (ЭЦП)", sms: "Код из SMS", code: "Код из SMS", confirm: "Подтвердить",
    smsSent: "Мы отправили код на телефон, привязанный к учётной записи.", smsSentTo: "Мы отправили код на номер",
    smsNeverTell: "Никому не сообщайте этот код — ни банк, ни полиция, ни сотрудники никогда его не спросят.",
    smsWait: "Новый код на этот номер пока нельзя отправить.", resend: "Отправить новый код", sendCode: "Отправить код",
    resendIn: "Новый код можно запросить через {time}.", sendIn: "Код можно запросить через {time}.",
    resendReady: "Теперь можно запросить новый код.", smsResent: "Мы отправили новый код.",
    signing: "Подпишите в NCALayer…", waitingKey: "Следуйте подсказке браузера…", done: "Подтверждено.",
    qrAlt: "QR-код для сканирования телефоном", qrScan: "Отсканируйте QR-код телефоном.", qrScanEgov: "Отсканируйте QR-код в eGov Mobile и подпишите ЭЦП.",
    qrScanned: "Отсканировано. Подтвердите на телефоне.", qrPick: "На телефоне выберите это число:",
    qrApproved: "Подтверждено на телефоне.", qrDenied: "Запрос отклонён на телефоне.",
    qrSigned: "Подписано в eGov Mobile.", qrSignedAs: "Вход как", qrContinueAsk: "продолжить?",
    qrContinue: "Продолжить", qrNotMe: "Это не я", qrNotMeHint: "Если это не ваше имя, кто-то подписал своим ключом: не продолжайте.",
    qrNotMeDone: "Вход отменён. Выберите способ снова.", qrCancelled: "QR-код отменён.", back: "Выбрать другой способ",
    qrExpired: "Срок QR-кода истёк. Начните заново.", error: "Что-то пошло не так.", again: "Начать заново",
    next: "Ещё один шаг:", choose: "Выберите способ подтверждения:",
    errors: {
      ncalayer_unavailable: "NCALayer не запущен. Запустите NCALayer и попробуйте снова.",
      ncalayer_cancelled: "Подписание отменено.",
      ncalayer_timeout: "NCALayer не ответил.",
      webauthn_cancelled: "Запрос отменён или время ожидания истекло.",
      webauthn_unsupported: "Этот браузер не поддерживает ключи доступа.",
      network: "Сервер недоступен.",
    },
  },
  kk: {
    title: "Бұл сіз екеніңізді растаңыз", ecp: "ЭЦҚ (NCALayer)", webauthn: "Кіру кілті немесе биометрия",
    qr: "Телефондағы QR-код", qrEgov: "eGov Mobile-дағы QR-код (ЭЦҚ)", sms: "SMS коды", code: "SMS-тағы код", confirm: "Растау",
    smsSent: "Есептік жазбаға байланған телефонға код жібердік.", smsSentTo: "Код жіберілді:",
    smsNeverTell: "Бұл кодты ешкімге айтпаңыз — банк те, полиция да, қызметкерлер де оны ешқашан сұрамайды.",
    smsWait: "Бұл нөмірге жаңа кодты әзірге жіберу мүмкін емес.", resend: "Жаңа код жіберу", sendCode: "Кодты жіберу",
    resendIn: "Жаңа кодты {time} кейін сұрауға болады.", sendIn: "Кодты {time} кейін сұрауға болады.",
    resendReady: "Енді жаңа кодты сұрауға болады.", smsResent: "Жаңа код жіберілді.",
    signing: "NCALayer-де қол қойыңыз…", waitingKey: "Браузер нұсқауын орындаңыз…", done: "Расталды.",
    qrAlt: "Телефонмен сканерлеуге арналған QR-код", qrScan: "QR-кодты телефонмен сканерлеңіз.", qrScanEgov: "QR-кодты eGov Mobile-да сканерлеп, ЭЦҚ-мен қол қойыңыз.",
    qrScanned: "Сканерленді. Телефонда растаңыз.", qrPick: "Телефонда осы санды таңдаңыз:",
    qrApproved: "Телефонда расталды.", qrDenied: "Сұраным телефонда қабылданбады.",
    qrSigned: "eGov Mobile-да қол қойылды.", qrSignedAs: "Кіру:", qrContinueAsk: "жалғастыру керек пе?",
    qrContinue: "Жалғастыру", qrNotMe: "Бұл мен емес", qrNotMeHint: "Бұл сіздің атыңыз болмаса, біреу өз кілтімен қол қойған: жалғастырмаңыз.",
    qrNotMeDone: "Кіру тоқтатылды. Тәсілді қайта таңдаңыз.", qrCancelled: "QR-код тоқтатылды.", back: "Басқа тәсілді таңдау",
    qrExpired: "QR-кодтың мерзімі бітті. Қайта бастаңыз.", error: "Бірдеңе дұрыс болмады.", again: "Қайта бастау",
    next: "Тағы бір қадам:", choose: "Растау тәсілін таңдаңыз:",
    errors: {
      ncalayer_unavailable: "NCALayer іске қосылмаған. NCALayer-ді іске қосып, қайталап көріңіз.",
      ncalayer_cancelled: "Қол қою тоқтатылды.",
      ncalayer_timeout: "NCALayer жауап бермеді.",
      webauthn_cancelled: "Сұраным тоқтатылды немесе күту уақыты бітті.",
      webauthn_unsupported: "Бұл браузер кіру кілттерін қолдамайды.",
      network: "Серверге қосылу мүмкін емес.",
    },
  },
};

/**
 * The language of the default UI: lang when it names kk, ru or en (a tag
 * such as "ru-RU" counts), else the page's <html lang>, else the browser's
 * languages, else "en".
 */
export function pickLang(lang) {
  const tags = [lang];
  if (typeof document !== "undefined" && document.documentElement) tags.push(document.documentElement.lang);
  if (typeof navigator !== "undefined") tags.push(...(navigator.languages || [navigator.language]));
  for (const tag of tags) {
    const l = langOf(tag);
    if (l) return l;
  }
  return "en";
}

/**
 * The default UI: runs a flow for opts.action in container and calls
 * opts.onDone(decision) once the policy is satisfied (the host's OnResult
 * has then run on the server). It offers only what the server offers — a
 * strong factor first; the SMS step appears after it when the policy wants
 * one. See the README's "JavaScript API (client.js)" for every option:
 * {base ("/auth"), action, lang, labels, title, ncalayer, ncalayerRequest,
 * qrBase ("/qr/browser"), qrModes (["device"]), autofill, onDone, onError}.
 * The container's data-state is "choose", "busy", "sms", "qr", "done" or
 * "error" (with aria-busy while busy); style it with client.css. Focus
 * moves to each new step once the user has acted; the status line is a
 * polite live region and errors are announced (role="alert"). Returns a
 * promise of the Flow (null when it could not start).
 */
export async function mountFlow(container, opts) {
  const lang = pickLang(opts.lang);
  const t = Object.assign({}, LABELS.en, LABELS[lang], opts.labels);
  const errors = Object.assign({}, LABELS.en.errors, LABELS[lang].errors, opts.labels && opts.labels.errors);
  const base = opts.base || "/auth";
  const title = el("h2", { class: "sa-title", id: "sa-title", tabindex: "-1" }, opts.title || t.title);
  const body = el("div", { class: "sa-body" });
  const error = el("p", { class: "sa-error", id: "sa-error", role: "alert", hidden: true });
  const status = el("p", { class: "sa-status", id: "sa-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  container.replaceChildren(el("section", { class: "sa-flow", "aria-labelledby": "sa-title", lang }, title, body, status, error));
  let busy = false;
  const setState = (s) => {
    busy = s === "busy";
    container.dataset.state = s;
    container.setAttribute("aria-busy", String(busy));
    for (const b of body.querySelectorAll(".sa-factor")) b.setAttribute("aria-disabled", String(busy));
  };
  // Focus follows the steps once the user has acted (never on mount: the
  // page's own field, such as the passkey autofill, keeps it).
  let acted = false;
  const focus = (node) => {
    if (!acted || !node) return;
    if (!node.matches("button, input, select, textarea, a[href]") && !node.hasAttribute("tabindex")) node.setAttribute("tabindex", "-1");
    node.focus();
  };
  const showError = (e) => {
    error.hidden = false;
    error.textContent = errors[e.code] || e.message || t.error;
    error.dataset.code = e.code || "error";
    if (opts.onError) opts.onError(e);
  };
  const clearError = () => { error.hidden = true; error.textContent = ""; delete error.dataset.code; };
  let cleanup = null; // stops what the current step runs (timers, requests)
  const show = (...nodes) => {
    if (cleanup) cleanup();
    cleanup = null;
    body.replaceChildren(...nodes);
  };
  let flow;
  try {
    flow = await Flow.start(base, opts.action, { lang });
  } catch (e) {
    setState("error");
    showError(e);
    return null;
  }
  container.dataset.flow = "started";

  // Passkey autofill runs while the choice is shown; a factor started by
  // a button first makes it let go of the browser's WebAuthn request.
  let autofill = null;
  let autofillRefused = false; // after a refused passkey, the button remains
  let progressed = false; // a factor is done: the flow goes on with buttons
  const autofillInput = typeof opts.autofill === "string" ? document.querySelector(opts.autofill) : opts.autofill;
  const startAutofill = () => {
    if (!autofillInput || autofill || autofillRefused || progressed || !flow.offer.includes("webauthn")) return;
    const a = passkeyAutofill(flow, { input: autofillInput });
    autofill = a;
    a.done.then(async (d) => {
      if (autofill === a) autofill = null;
      if (d) {
        acted = true;
        await after(d);
      }
    }, (e) => {
      if (autofill === a) autofill = null;
      autofillRefused = true;
      acted = true;
      showError(e);
      choose();
    });
  };
  const stopAutofill = async () => {
    const a = autofill;
    autofill = null;
    if (a) await a.abort();
  };

  const after = async (d) => {
    progressed = true;
    await stopAutofill();
    if (d.allowed) {
      setState("done");
      const done = el("p", { class: "sa-done", tabindex: "-1" }, t.done);
      show(done);
      status.textContent = t.done;
      focus(done);
      if (opts.onDone) opts.onDone(d);
      return;
    }
    if (d.offer.includes("sms") && d.alternatives.some((a) => a.length === 1 && a[0] === "sms")) {
      await sms(d);
      return;
    }
    choose(t.next);
  };

  const terminal = ["flow_completed", "flow_expired", "flow_cancelled", "flow_not_found", "binding_mismatch", "fraud_reported"];
  const run = async (fn) => {
    if (busy) return;
    acted = true;
    clearError();
    setState("busy");
    await stopAutofill();
    try {
      await fn();
    } catch (e) {
      status.textContent = "";
      showError(e);
      if (terminal.includes(e.code)) {
        setState("error");
        const again = el("button", { type: "button", class: "sa-secondary", id: "sa-again", onclick: () => mountFlow(container, opts) }, t.again);
        show(again);
        focus(again);
      } else {
        choose();
      }
    }
  };

  const ecp = () => run(async () => {
    status.textContent = t.signing;
    const ch = await flow.begin("ecp");
    // opts.ncalayer: the socket URL, or {url, format: "cms"|"xml", legacy}
    // (legacy: the commonUtils.signXml request instead of basics.sign).
    const nl = opts.ncalayer && typeof opts.ncalayer === "object" ? opts.ncalayer : { url: opts.ncalayer };
    const xml = nl.format === "xml";
    const asked = xml ? (nl.legacy ? ch.data.ncalayer_signxml : ch.data.ncalayer_xml) : ch.data.ncalayer;
    if (!asked) throw new AuthError("ecp_format", "This action does not accept this signature format.");
    const layer = new NCALayer(nl.url);
    const req = opts.ncalayerRequest ? opts.ncalayerRequest(asked) : asked;
    let signed;
    try { signed = await layer.sign(req); } finally { layer.close(); status.textContent = ""; }
    await after(await flow.finish("ecp", xml ? { xml: signed } : { cms: signed }, "sms"));
  });

  const webauthn = () => run(async () => {
    status.textContent = t.waitingKey;
    const ch = await flow.begin("webauthn");
    let cred;
    try { cred = await webauthnGet(ch.data); } finally { status.textContent = ""; }
    await after(await flow.finish("webauthn", cred, "sms"));
  });

  // qr shows the code with "choose another way": that abandons the QR
  // session on the server and returns to the choice, the flow still open.
  const qr = (mode) => run(async () => {
    const ch = await flow.begin("qr", mode ? { mode } : {});
    setState("qr");
    show();
    const view = showQR(body, { qrBase: opts.qrBase || "/qr/browser", flow, data: ch.data, labels: t });
    const back = el("button", { type: "button", class: "sa-link sa-back", id: "sa-back", onclick: () => view.cancel() }, t.back);
    body.append(back);
    cleanup = () => view.stop();
    focus(view.status);
    let s;
    try {
      s = await view.done;
    } catch (e) {
      if (e.code !== "qr_cancelled") throw e;
      choose();
      return;
    }
    back.remove();
    // eGov Mobile (mode B): the server finishes only once the user
    // confirmed the name of who signed.
    const input = s.signer ? await confirmSigner(body, s.signer, t) : {};
    await after(await flow.finish("qr", input, "sms"));
  });

  // sms is the second step after a strong factor; it also has a button
  // when offered (to ask for a new code after a failed send, say). When
  // the server asks to wait (429 with Retry-After: the phone's cooldown),
  // the step counts down and its button enables itself.
  // d, a finish's answer, may carry the begun step (next) or the begin's
  // refusal (next_error): then no begin is sent.
  const sms = async (d) => {
    let ch = null;
    let waitFor = 0;
    try {
      if (d && d.next) ch = d.next;
      else if (d && d.next_error) {
        const ne = d.next_error;
        throw new AuthError(ne.code, ne.message, 0, ne.retry_after);
      } else ch = await flow.begin("sms");
    } catch (e) {
      if (e.code !== "rate_limited" || !(e.retryAfter > 0)) throw e;
      waitFor = e.retryAfter;
    }
    setState("sms");
    const data = (ch && ch.data) || {};
    const f = smsCodeForm({
      digits: data.digits, phone: data.phone, labels: t, sent: !!ch, resendIn: ch ? resendIn(ch) : waitFor,
      onReady: () => { status.textContent = t.resendReady; },
      onResend: async () => {
        clearError();
        status.textContent = "";
        try {
          const c = await flow.begin("sms");
          const first = f.form.dataset.sent !== "true";
          f.sent(c.data && c.data.phone, resendIn(c));
          status.textContent = first ? "" : t.smsResent;
          if (first) f.input.focus();
        } catch (e) {
          if (e.code === "rate_limited" && e.retryAfter > 0) f.wait(e.retryAfter);
          else showError(e);
        }
      },
      onCode: async (code) => {
        clearError();
        try {
          const d = await flow.finish("sms", { code });
          f.abort();
          await after(d);
        } catch (e) {
          showError(e);
          f.invalid();
        }
      },
    });
    show(f.form);
    cleanup = f.abort;
    focus(ch ? f.input : f.hint);
  };

  const handlers = { ecp, webauthn, qr, sms: () => run(sms) };
  const qrModes = opts.qrModes || ["device"];
  function choose(prompt) {
    setState("choose");
    const buttons = [];
    for (const k of flow.offer.filter((k) => handlers[k])) {
      if (k !== "qr") {
        buttons.push(el("button", { type: "button", class: "sa-factor", "data-factor": k, onclick: () => handlers[k]() }, t[k] || k));
        continue;
      }
      for (const mode of qrModes) {
        buttons.push(el("button", { type: "button", class: "sa-factor", "data-factor": k, "data-mode": mode,
          onclick: () => qr(mode) }, mode === "mobile-sign" ? t.qrEgov : t.qr));
      }
    }
    const p = el("p", { class: "sa-prompt", id: "sa-prompt", tabindex: "-1" }, prompt || t.choose);
    show(p, el("div", { class: "sa-factors", role: "group", "aria-labelledby": "sa-prompt" }, ...buttons));
    focus(p);
    startAutofill();
  }
  choose();
  return flow;
}
