// The portal's pages: they use the strongauth browser client that the
// /auth/ handler serves, and the portal's own JSON API.
import { Flow, mountFlow, postJSON, webauthnCreate } from "/auth/client.js";
import { lang, tr, when } from "/static/i18n.js";

const body = document.body;
// "?ecp=xml" on the login page signs in with an XML signature (NCALayer's
// signXml, as eGov's identity provider does) instead of a CMS.
const ncalayer = new URLSearchParams(location.search).get("ecp") === "xml"
  ? { url: body.dataset.ncalayer, format: "xml" }
  : body.dataset.ncalayer;
const $ = (id) => document.getElementById(id);
// The QR factor has both modes: the portal's own app (a linked phone) and
// eGov Mobile signing with the person's ECP key — the latter only for the
// actions the server allows it (login, sign-document).
const qrModes = ["device", "mobile-sign"];
const qrModesFor = (action) => (action === "login" || action === "sign-document" ? qrModes : ["device"]);

// In development the NCALayer simulator holds several test keys; the page
// narrows the request to the chosen person's key (signerParams.iin), as
// the real NCALayer would let the user pick a key file.
function devSigner(req) {
  const pick = $("dev-signer");
  if (!pick || !req || !req.args) return req;
  const copy = JSON.parse(JSON.stringify(req));
  copy.args.signerParams = Object.assign({}, copy.args.signerParams, { iin: pick.value });
  return copy;
}

// stepUp runs a flow for action in the #stepup box and resolves when the
// policy is satisfied.
function stepUp(action, title) {
  const box = $("stepup");
  box.hidden = false;
  box.scrollIntoView({ block: "center" });
  return new Promise((resolve) => {
    mountFlow(box, { base: "/auth", action, lang, ncalayer, title, qrModes: qrModesFor(action), onDone: () => { box.hidden = true; box.replaceChildren(); resolve(); } });
  });
}

async function withStepUp(action, title, call) {
  try {
    return await call();
  } catch (e) {
    if (e.code !== "step_up_required") throw e;
    await stepUp(action, title);
    return call();
  }
}

const logout = $("logout");
if (logout) {
  logout.addEventListener("click", async () => {
    await fetch("/api/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}", credentials: "same-origin" });
    location.assign("/");
  });
}

switch (body.dataset.page) {
  case "home":
    mountFlow($("login"), {
      base: "/auth", action: "login", lang, ncalayer, ncalayerRequest: devSigner, qrModes,
      autofill: $("username"), // passkeys offered in the field's autofill
      onDone: () => location.assign("/cabinet"),
    });
    break;

  case "cabinet": {
    const refresh = async () => {
      const me = await (await fetch("/api/me", { credentials: "same-origin" })).json();
      const login = me.results && me.results.login;
      $("me-login").textContent = login ? login.factors.join(" + ") + " (" + login.acr + ", " + login.amr.join(" ") + ")" : "—";
      $("me-passkeys").textContent = String(me.passkeys);
      $("me-passkeys").dataset.count = String(me.passkeys);
      $("me-phones").textContent = String(me.phones);
      $("me-phones").dataset.count = String(me.phones);
    };
    $("link-phone").addEventListener("click", async () => {
      const status = $("passkey-status");
      status.textContent = "";
      try {
        const t = await withStepUp("add-phone", tr("Confirm it is you to link a phone"), () => postJSON("/api/phones/token"));
        const box = $("phone-link");
        box.dataset.token = t.token;
        box.dataset.enrolUrl = t.enrol_url;
        box.dataset.phoneUrl = t.phone_url;
        $("phone-link-commands").textContent =
          "go build -o mobile ./examples/mobile\n" +
          "./mobile keygen -device phone.json -phone " + t.phone_url + "\n" +
          "./mobile enrol -device phone.json -enrol " + t.enrol_url + " -name \"My phone\" -H \"Authorization: Bearer " + t.token + "\"";
        box.hidden = false;
        const poll = setInterval(async () => { await refresh(); if ($("me-phones").dataset.count !== "0") clearInterval(poll); }, 2000);
      } catch (e) {
        status.textContent = e.message;
        status.dataset.state = "error";
        status.dataset.code = e.code || "error";
      }
    });
    refresh();
    $("add-passkey").addEventListener("click", async () => {
      const status = $("passkey-status");
      status.textContent = "";
      delete status.dataset.state;
      try {
        const reg = await withStepUp("add-passkey", tr("Confirm it is you to add a passkey"), () => postJSON("/api/passkeys/begin"));
        const credential = await webauthnCreate(reg.options);
        await postJSON("/api/passkeys/finish", { id: reg.id, credential });
        status.textContent = tr("Passkey added. Next time, sign in with it.");
        status.dataset.state = "done";
        refresh();
      } catch (e) {
        status.textContent = e.message;
        status.dataset.state = "error";
        status.dataset.code = e.code || "error";
      }
    });
    break;
  }

  case "sign":
    for (const button of document.querySelectorAll("button.sign")) {
      button.addEventListener("click", async () => {
        const receipt = $("receipt");
        receipt.hidden = true;
        delete receipt.dataset.state;
        try {
          const r = await withStepUp("sign-document", tr("Confirm it is you to sign"), () => postJSON("/api/sign", { document: button.dataset.document }));
          receipt.replaceChildren();
          const h = document.createElement("h2");
          h.textContent = tr("Signed");
          const p = document.createElement("p");
          // The title as this page shows it, in its language.
          const shown = document.querySelector('article[data-document="' + CSS.escape(r.document) + '"] h2');
          p.textContent = tr("“{title}” signed by {name} (IIN {iin}) at {time}, confirmed with {factors}.", {
            title: shown ? shown.textContent : r.title, name: r.signed_by, iin: r.iin, time: when(r.signed_at),
            factors: r.confirmed_with.factors.join(" + "),
          });
          receipt.append(h, p);
          receipt.dataset.state = "signed";
          receipt.dataset.factors = r.confirmed_with.factors.join(",");
        } catch (e) {
          receipt.textContent = e.message;
          receipt.dataset.state = "error";
          receipt.dataset.code = e.code || "error";
        }
        receipt.hidden = false;
      });
    }
    break;

  case "sms-only": {
    const log = $("sms-only-log");
    const line = (id, text, code) => {
      const li = document.createElement("li");
      li.id = id;
      li.textContent = text;
      if (code) li.dataset.code = code;
      log.append(li);
    };
    $("try-sms-only").addEventListener("click", async () => {
      log.replaceChildren();
      const flow = await Flow.start("/auth", "login", { lang });
      line("sms-only-offer", tr("Started a login. The server offers: {offer} — no SMS.", { offer: flow.offer.join(", ") }), flow.offer.includes("sms") ? "sms_offered" : "no_sms");
      try {
        await flow.begin("sms", {});
        line("sms-only-begin", tr("Begin SMS: accepted?!"), "accepted");
      } catch (e) {
        line("sms-only-begin", tr("Ask for an SMS code: refused, {status} {code} — “{message}” Nothing was sent.", e), e.code);
      }
      try {
        await flow.finish("sms", { code: "123456" });
        line("sms-only-finish", tr("Finish with a code: accepted?!"), "accepted");
      } catch (e) {
        line("sms-only-finish", tr("Finish with a guessed or stolen code: refused, {status} {code} — “{message}”", e), e.code);
      }
      log.dataset.state = "done";
    });
    break;
  }
}
