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

/** An error answered by the server ({code, message}) or raised here. */
export class AuthError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.name = "AuthError";
    this.code = code;
    this.status = status || 0;
  }
}

async function call(method, url, csrf, body) {
  const headers = { "Accept": "application/json" };
  if (csrf) headers["X-StrongAuth-CSRF"] = csrf;
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (e) {
    throw new AuthError("network", "The server cannot be reached.");
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { /* empty body */ }
  if (!resp.ok) {
    throw new AuthError((data && data.code) || "http_" + resp.status, data && data.message, resp.status);
  }
  return data;
}

/** Posts JSON to a host endpoint and resolves to its JSON answer, throwing AuthError on an error status. */
export function postJSON(url, body) { return call("POST", url, null, body === undefined ? {} : body); }

/** One authentication flow, bound to this browser by an HttpOnly cookie. */
export class Flow {
  constructor(base, view) {
    this.base = base.replace(/\/$/, "");
    this.id = view.flow;
    this.csrf = view.csrf;
    this.view = view;
  }

  /** Starts a flow for action ("login", "sign-document", …). */
  static async start(base, action) {
    const view = await call("POST", base.replace(/\/$/, "") + "/flows", null, { action });
    return new Flow(base, view);
  }

  get url() { return this.base + "/flows/" + this.id; }

  /** Factors that may begin now (the server never offers sms first). */
  get offer() { return this.view.offer || []; }

  /** Begins a factor; resolves to its challenge {kind, data, expires_at}. */
  begin(kind, input) { return call("POST", this.url + "/begin/" + kind, this.csrf, input === undefined ? {} : input); }

  /** Finishes a factor; resolves to {allowed, alternatives, offer, subject?, acr?, amr?}. */
  async finish(kind, input) {
    const d = await call("POST", this.url + "/finish/" + kind, this.csrf, input === undefined ? {} : input);
    this.view.offer = d.offer;
    this.view.alternatives = d.alternatives;
    return d;
  }

  /** The current state of the flow. */
  async decision() { this.view = Object.assign(this.view, await call("GET", this.url + "/decision")); return this.view; }

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
        v = await call("GET", this.url + "/status?wait=25&since=" + since);
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

/**
 * Builds a form for a one-time code ({digits, phone, labels, onCode}): an
 * input with autocomplete="one-time-code" (phones offer the code from the
 * SMS) and, where the browser has it, WebOTP filling in the code from an
 * origin-bound SMS. onCode(code) is called on submit; it may return a
 * promise. Returns {form, input, abort}.
 */
export function smsCodeForm(opts) {
  const digits = opts.digits || 6;
  const t = opts.labels || LABELS.en;
  const input = el("input", {
    id: "sa-sms-code", name: "code", class: "sa-code", autocomplete: "one-time-code", inputmode: "numeric",
    pattern: "[0-9]{" + digits + "}", maxlength: String(digits), minlength: String(digits), required: true,
    "aria-label": t.code, spellcheck: "false",
  });
  const button = el("button", { type: "submit", class: "sa-primary", id: "sa-sms-submit" }, t.confirm);
  const form = el("form", { class: "sa-sms", "data-step": "sms" },
    el("p", { class: "sa-hint" }, opts.phone ? t.smsSentTo + " " + opts.phone : t.smsSent),
    el("label", { for: "sa-sms-code" }, t.code), input, button,
    el("p", { class: "sa-warning" }, t.smsNeverTell));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = input.value.replace(/\s+/g, "");
    if (!new RegExp("^[0-9]{" + digits + "}$").test(code)) { input.focus(); return; }
    button.disabled = true;
    try { await opts.onCode(code); } finally { button.disabled = false; }
  });
  const ctl = typeof AbortController === "function" ? new AbortController() : null;
  if (ctl && "OTPCredential" in window) {
    navigator.credentials.get({ otp: { transport: ["sms"] }, signal: ctl.signal })
      .then((otp) => { if (otp && otp.code) { input.value = otp.code; form.requestSubmit(); } })
      .catch(() => { /* typed by hand */ });
  }
  return { form, input, abort: () => ctl && ctl.abort() };
}

// ---------------------------------------------------------------- QR

/**
 * Shows a cross-device QR login in container and resolves when the phone
 * approved (or rejects with AuthError when it was denied, failed or
 * expired). The code changes every second (refresh_ms) and works only for
 * this browser; once the phone has scanned it, the code gives way to the
 * number to pick on the phone ("number matching"). opts: {qrBase (the QR
 * factor's browser endpoints, e.g. "/qr/browser"), flow, data (the qr
 * challenge's data), labels}. Returns {done, stop}.
 */
export function showQR(container, opts) {
  const t = opts.labels || LABELS.en;
  const base = opts.qrBase.replace(/\/$/, "") + "/" + opts.flow.id;
  const img = el("img", { class: "sa-qr-image", id: "sa-qr-image", alt: t.qrAlt, width: "240", height: "240" });
  const number = el("div", { class: "sa-qr-number", id: "sa-qr-number", hidden: true });
  const egov = opts.data && opts.data.mode === "mobile-sign";
  const status = el("p", { class: "sa-qr-status", id: "sa-qr-status", role: "status" }, egov ? t.qrScanEgov : t.qrScan);
  const box = el("div", { class: "sa-qr", "data-step": "qr", "data-qr-state": "pending" }, img, status, number);
  container.append(box);
  let frame = 0;
  const refresh = (opts.data && opts.data.refresh_ms) || 0;
  const show = () => { img.src = base + "/frame.svg?n=" + (frame++); };
  show();
  const timer = refresh > 0 ? setInterval(show, Math.max(500, refresh)) : null;
  let es = null;
  let stopped = false;
  const stop = () => { stopped = true; if (timer) clearInterval(timer); if (es) es.close(); };
  const done = new Promise((resolve, reject) => {
    const fail = (code, message) => { stop(); box.dataset.qrState = "error"; reject(new AuthError(code, message)); };
    const onStatus = (s) => {
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
        case "approved": stop(); status.textContent = s.signer ? t.qrSigned : t.qrApproved; resolve(s); break;
        case "denied": fail("fraud_reported", t.qrDenied); break;
        case "failed": fail("verification_failed", t.error); break;
        case "expired": fail("expired", t.qrExpired); break;
      }
    };
    const poll = async () => {
      let after = "";
      while (!stopped) {
        try {
          const s = await call("GET", base + "/status?wait=25" + (after ? "&after=" + encodeURIComponent(after) : ""));
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
  });
  return { done, stop };
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
  const t = labels || LABELS.en;
  return new Promise((resolve, reject) => {
    const answer = (ok) => {
      box.remove();
      if (ok) resolve({ confirm: signer.confirm });
      else reject(new AuthError("declined", t.qrNotMeDone));
    };
    const yes = el("button", { type: "button", class: "sa-primary", id: "sa-qr-continue", onclick: () => answer(true) }, t.qrContinue);
    const no = el("button", { type: "button", class: "sa-secondary", id: "sa-qr-not-me", onclick: () => answer(false) }, t.qrNotMe);
    const box = el("div", { class: "sa-qr-confirm", "data-step": "confirm-signer", role: "alertdialog", "aria-labelledby": "sa-qr-signer" },
      el("p", { id: "sa-qr-signer" }, t.qrSignedAs + " ", el("strong", { id: "sa-qr-signer-name" }, signer.name), " — " + t.qrContinueAsk),
      el("p", { class: "sa-hint" }, t.qrNotMeHint),
      el("div", { class: "sa-actions" }, yes, no));
    container.append(box);
    yes.focus();
  });
}

// ---------------------------------------------------------------- default UI

/** Labels of the default UI, per language. */
export const LABELS = {
  en: {
    title: "Confirm it is you", ecp: "Digital signature (ECP, NCALayer)", webauthn: "Passkey or biometrics",
    qr: "QR code on your phone", qrEgov: "QR code in eGov Mobile (ECP)", sms: "SMS code", code: "Code from the SMS", confirm: "Confirm",
    smsSent: "We sent a code to the phone bound to your account.", smsSentTo: "We sent a code to",
    smsNeverTell: "Never tell this code to anyone — no bank, police officer or employee will ever ask for it.",
    signing: "Sign in NCALayer…", waitingKey: "Follow your browser's prompt…", done: "Confirmed.",
    qrAlt: "QR code to scan with your phone", qrScan: "Scan the QR code with your phone.", qrScanEgov: "Scan the QR code in eGov Mobile and sign with your ECP.",
    qrScanned: "Scanned. Confirm on your phone.", qrPick: "On your phone, pick this number:",
    qrApproved: "Approved on your phone.", qrDenied: "The request was refused on the phone.",
    qrSigned: "Signed in eGov Mobile.", qrSignedAs: "Signed in as", qrContinueAsk: "continue?",
    qrContinue: "Continue", qrNotMe: "Not me", qrNotMeHint: "If this is not your name, someone else signed with their own key: do not continue.",
    qrNotMeDone: "Not continued. Choose again.",
    qrExpired: "The QR code expired. Start again.", error: "Something went wrong.", again: "Start again",
    next: "One more step:", choose: "Choose how to confirm:",
  },
  ru: {
    title: "Подтвердите, что это вы", ecp: "ЭЦП (NCALayer)", webauthn: "Ключ доступа или биометрия",
    qr: "QR-код на телефоне", qrEgov: "QR-код в eGov Mobile (ЭЦП)", sms: "Код из SMS", code: "Код из SMS", confirm: "Подтвердить",
    smsSent: "Мы отправили код на телефон, привязанный к учётной записи.", smsSentTo: "Мы отправили код на номер",
    smsNeverTell: "Никому не сообщайте этот код — ни банк, ни полиция, ни сотрудники никогда его не спросят.",
    signing: "Подпишите в NCALayer…", waitingKey: "Следуйте подсказке браузера…", done: "Подтверждено.",
    qrAlt: "QR-код для сканирования телефоном", qrScan: "Отсканируйте QR-код телефоном.", qrScanEgov: "Отсканируйте QR-код в eGov Mobile и подпишите ЭЦП.",
    qrScanned: "Отсканировано. Подтвердите на телефоне.", qrPick: "На телефоне выберите это число:",
    qrApproved: "Подтверждено на телефоне.", qrDenied: "Запрос отклонён на телефоне.",
    qrSigned: "Подписано в eGov Mobile.", qrSignedAs: "Вход как", qrContinueAsk: "продолжить?",
    qrContinue: "Продолжить", qrNotMe: "Это не я", qrNotMeHint: "Если это не ваше имя, кто-то подписал своим ключом: не продолжайте.",
    qrNotMeDone: "Вход отменён. Выберите способ снова.",
    qrExpired: "Срок QR-кода истёк. Начните заново.", error: "Что-то пошло не так.", again: "Начать заново",
    next: "Ещё один шаг:", choose: "Выберите способ подтверждения:",
  },
  kk: {
    title: "Бұл сіз екеніңізді растаңыз", ecp: "ЭЦҚ (NCALayer)", webauthn: "Кіру кілті немесе биометрия",
    qr: "Телефондағы QR-код", qrEgov: "eGov Mobile-дағы QR-код (ЭЦҚ)", sms: "SMS коды", code: "SMS-тағы код", confirm: "Растау",
    smsSent: "Есептік жазбаға байланған телефонға код жібердік.", smsSentTo: "Код жіберілді:",
    smsNeverTell: "Бұл кодты ешкімге айтпаңыз — банк те, полиция да, қызметкерлер де оны ешқашан сұрамайды.",
    signing: "NCALayer-де қол қойыңыз…", waitingKey: "Браузер нұсқауын орындаңыз…", done: "Расталды.",
    qrAlt: "Телефонмен сканерлеуге арналған QR-код", qrScan: "QR-кодты телефонмен сканерлеңіз.", qrScanEgov: "QR-кодты eGov Mobile-да сканерлеп, ЭЦҚ-мен қол қойыңыз.",
    qrScanned: "Сканерленді. Телефонда растаңыз.", qrPick: "Телефонда осы санды таңдаңыз:",
    qrApproved: "Телефонда расталды.", qrDenied: "Сұраным телефонда қабылданбады.",
    qrSigned: "eGov Mobile-да қол қойылды.", qrSignedAs: "Кіру:", qrContinueAsk: "жалғастыру керек пе?",
    qrContinue: "Жалғастыру", qrNotMe: "Бұл мен емес", qrNotMeHint: "Бұл сіздің атыңыз болмаса, біреу өз кілтімен қол қойған: жалғастырмаңыз.",
    qrNotMeDone: "Кіру тоқтатылды. Тәсілді қайта таңдаңыз.",
    qrExpired: "QR-кодтың мерзімі бітті. Қайта бастаңыз.", error: "Бірдеңе дұрыс болмады.", again: "Қайта бастау",
    next: "Тағы бір қадам:", choose: "Растау тәсілін таңдаңыз:",
  },
};

function pickLang(lang) {
  const tags = lang ? [lang] : (navigator.languages || [navigator.language || "en"]);
  for (const tag of tags) {
    const t = String(tag).toLowerCase().split(/[-_]/)[0];
    if (t === "kk" || t === "kz") return "kk";
    if (t === "ru") return "ru";
    if (t === "en") return "en";
  }
  return "en";
}

/**
 * The default UI: runs a flow for opts.action in container and calls
 * opts.onDone(decision) once the policy is satisfied (the host's OnResult
 * has then run on the server). It offers only what the server offers — a
 * strong factor first; the SMS step appears after it when the policy wants
 * one. opts: {base ("/auth"), action, ncalayer (the URL, or {url, format:
 * "cms" | "xml", legacy: true for commonUtils.signXml}), ncalayerRequest (a
 * function that may adjust the NCALayer request, e.g. narrow signerParams),
 * qrBase, qrModes (["device"] by default; add "mobile-sign" for eGov
 * Mobile), autofill (an input with autocomplete="username webauthn": its
 * autofill offers passkeys while the buttons show, see passkeyAutofill; a
 * button takes over), lang, title, onDone, onError}. The container's data-state is "choose", "busy", "sms", "qr",
 * "done" or "error", for styling and tests. Returns a promise of the Flow.
 */
export async function mountFlow(container, opts) {
  const t = LABELS[pickLang(opts.lang)] || LABELS.en;
  const base = opts.base || "/auth";
  const body = el("div", { class: "sa-body" });
  const error = el("p", { class: "sa-error", id: "sa-error", role: "alert", hidden: true });
  const status = el("p", { class: "sa-status", id: "sa-status", role: "status" });
  container.replaceChildren(el("div", { class: "sa-flow" }, el("h2", {}, opts.title || t.title), body, status, error));
  const setState = (s) => { container.dataset.state = s; };
  const showError = (e) => {
    error.hidden = false;
    error.textContent = e.message || t.error;
    error.dataset.code = e.code || "error";
    if (opts.onError) opts.onError(e);
  };
  const clearError = () => { error.hidden = true; error.textContent = ""; delete error.dataset.code; };
  let flow;
  try {
    flow = await Flow.start(base, opts.action);
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
      if (d) await after(d);
    }, (e) => {
      if (autofill === a) autofill = null;
      autofillRefused = true;
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
      body.replaceChildren();
      status.textContent = t.done;
      if (opts.onDone) opts.onDone(d);
      return;
    }
    if (d.offer.includes("sms") && d.alternatives.some((a) => a.length === 1 && a[0] === "sms")) {
      await sms();
      return;
    }
    choose(t.next);
  };

  const run = async (kind, fn) => {
    clearError();
    setState("busy");
    await stopAutofill();
    try {
      await fn();
    } catch (e) {
      showError(e);
      if (["flow_completed", "flow_expired", "flow_cancelled", "flow_not_found", "binding_mismatch", "fraud_reported"].includes(e.code)) {
        setState("error");
        body.replaceChildren(el("button", { type: "button", class: "sa-secondary", onclick: () => mountFlow(container, opts) }, t.again));
      } else {
        choose();
      }
    }
  };

  const ecp = () => run("ecp", async () => {
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
    await after(await flow.finish("ecp", xml ? { xml: signed } : { cms: signed }));
  });

  const webauthn = () => run("webauthn", async () => {
    status.textContent = t.waitingKey;
    const ch = await flow.begin("webauthn");
    let cred;
    try { cred = await webauthnGet(ch.data); } finally { status.textContent = ""; }
    await after(await flow.finish("webauthn", cred));
  });

  const qr = (mode) => run("qr", async () => {
    const ch = await flow.begin("qr", mode ? { mode } : {});
    setState("qr");
    body.replaceChildren();
    const view = showQR(body, { qrBase: opts.qrBase || "/qr/browser", flow, data: ch.data, labels: t });
    const s = await view.done;
    // eGov Mobile (mode B): the server finishes only once the user
    // confirmed the name of who signed.
    const input = s.signer ? await confirmSigner(body, s.signer, t) : {};
    await after(await flow.finish("qr", input));
  });

  // sms is the second step after a strong factor; it also has a button
  // when offered (to ask for a new code after a failed send, say).
  const sms = async () => {
    const ch = await flow.begin("sms");
    setState("sms");
    const f = smsCodeForm({
      digits: ch.data && ch.data.digits, phone: ch.data && ch.data.phone, labels: t,
      onCode: async (code) => {
        clearError();
        try {
          const d = await flow.finish("sms", { code });
          f.abort();
          await after(d);
        } catch (e) {
          showError(e);
          f.input.select();
        }
      },
    });
    body.replaceChildren(f.form);
    f.input.focus();
  };

  const handlers = { ecp, webauthn, qr, sms: () => run("sms", sms) };
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
    body.replaceChildren(el("p", {}, prompt || t.choose), el("div", { class: "sa-factors" }, ...buttons));
    startAutofill();
  }
  choose();
  return flow;
}
