// strongauth browser client: a small, dependency-free ES module served by
// authhttp at <prefix>/client.js. Plain functions and classes that the
// host's own pages call; no build step.
//
//   import { Flow, NCALayer, webauthnGet, webauthnCreate } from "/auth/client.js";
//   const flow = await Flow.start("/auth", "login");
//   const ch = await flow.begin("ecp");
//   ...
//
// Nothing here stores a secret: the flow's binding lives in an HttpOnly
// cookie the script cannot read; the CSRF token is per flow.

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
   * no longer open. Uses Server-Sent Events, falling back to long polling.
   * Returns a function that stops watching.
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
      es.addEventListener("error", () => {
        if (stopped) return;
        es.close();
        es = null;
        this._poll(onChange, () => stopped);
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
 * returns (PEM or base64), which the ECP factor's finish accepts as is.
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
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        reject(new AuthError("ncalayer_unavailable", "NCALayer is not running."));
        return;
      }
      const timer = setTimeout(() => { ws.close(); reject(new AuthError("ncalayer_unavailable", "NCALayer is not running.")); }, timeoutMs);
      ws.onerror = () => { clearTimeout(timer); reject(new AuthError("ncalayer_unavailable", "NCALayer is not running. Start NCALayer and try again.")); };
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
      ws.onclose = () => { clearTimeout(timer); reject(new AuthError("ncalayer_unavailable", "NCALayer closed the connection.")); };
      ws.send(JSON.stringify(req));
    });
  }

  /** Signs with kz.gov.pki.knca.basics.sign; resolves to the CMS string. */
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
  if (e && e.name === "SecurityError") return new AuthError("webauthn_security", "This site is not allowed to use this authenticator.");
  return new AuthError("webauthn_error", (e && e.message) || "WebAuthn failed.");
}

/** navigator.credentials.get with JSON options; resolves to JSON. */
export async function webauthnGet(options) {
  try {
    return credentialToJSON(await navigator.credentials.get(decodeRequestOptions(options)));
  } catch (e) { throw webauthnError(e); }
}

/** navigator.credentials.create with JSON options; resolves to JSON. */
export async function webauthnCreate(options) {
  try {
    return credentialToJSON(await navigator.credentials.create(decodeCreationOptions(options)));
  } catch (e) { throw webauthnError(e); }
}
