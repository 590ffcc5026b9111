// The provider's login page: strongauth's default UI for the plan's
// action, then the provider's callback.
import { mountFlow, postJSON, webauthnCreate } from "/auth/client.js";

const data = document.body.dataset;
const $ = (id) => document.getElementById(id);

// The simulator holds several test keys; narrow the request to the chosen
// person's, as the real NCALayer lets the user pick a key file.
function devSigner(req) {
  const pick = $("dev-signer");
  if (!pick || !req || !req.args) return req;
  const copy = JSON.parse(JSON.stringify(req));
  copy.args.signerParams = Object.assign({}, copy.args.signerParams, { iin: pick.value });
  return copy;
}

// After the flow: on to the application, or first to adding a passkey
// when the person asked for it (the login's fresh strong factor allows
// enrolment for a few minutes).
async function done() {
  const r = await postJSON("/login/done", { id: data.request });
  if (!$("want-passkey").checked) {
    location.assign(r.redirect);
    return;
  }
  $("passkey-offer").hidden = true;
  $("continue").href = r.redirect;
  $("after-login").hidden = false;
  $("add-passkey").focus();
}

if (window.PublicKeyCredential) $("passkey-offer").hidden = false;

mountFlow($("login"), {
  base: "/auth", action: data.action, ncalayer: data.ncalayer, ncalayerRequest: devSigner, qrModes: ["mobile-sign"],
  onDone: () => done().catch((e) => { $("login").dataset.state = "error"; $("login").dataset.code = e.code || "error"; }),
});

const logout = $("logout");
if (logout) {
  logout.addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", credentials: "same-origin" });
    location.reload();
  });
}

// A passkey can be added right after a login with a strong factor.
const add = $("add-passkey");
add.addEventListener("click", async () => {
  const status = $("passkey-status");
  try {
    const reg = await postJSON("/account/passkeys/begin");
    const credential = await webauthnCreate(reg.options);
    await postJSON("/account/passkeys/finish", { id: reg.id, credential });
    status.textContent = "Passkey added.";
    status.dataset.state = "ok";
    add.hidden = true;
    $("continue").focus();
  } catch (e) {
    status.textContent = e.message;
    status.dataset.state = "error";
  }
});
