// The account page (passkeys, phones, recovery) and the "this was not me"
// page: the life-cycle endpoints under /account/.
import { mountFlow, postJSON } from "/auth/client.js";
import { lang, tr, when as whenAt } from "/static/i18n.js";

const body = document.body;
const ncalayer = body.dataset.ncalayer;
const $ = (id) => document.getElementById(id);
const qrModes = ["device", "mobile-sign"];

function devSigner(req) {
  const pick = $("dev-signer");
  if (!pick || !req || !req.args) return req;
  const copy = JSON.parse(JSON.stringify(req));
  copy.args.signerParams = Object.assign({}, copy.args.signerParams, { iin: pick.value });
  return copy;
}

function stepUp(action, title) {
  const box = $("stepup");
  box.hidden = false;
  box.scrollIntoView({ block: "center" });
  return new Promise((resolve) => {
    mountFlow(box, { base: "/auth", action, lang, ncalayer, ncalayerRequest: devSigner, title, qrModes,
      onDone: () => { box.hidden = true; box.replaceChildren(); resolve(); } });
  });
}

async function withStepUp(action, title, call) {
  try {
    return await call();
  } catch (e) {
    if (e.code !== "step_up_required" && e.code !== "recovery_required") throw e;
    await stepUp(action, title);
    return call();
  }
}

function say(text, state, code) {
  const s = $("account-status");
  s.textContent = text;
  s.dataset.state = state;
  if (code) s.dataset.code = code; else delete s.dataset.code;
}

const when = (t) => (t ? whenAt(t) : tr("never"));

async function refresh() {
  const resp = await fetch("/account/credentials", { credentials: "same-origin", cache: "no-store" });
  if (resp.status === 401) { location.assign("/"); return; }
  const data = await resp.json();
  const tbody = $("creds-body");
  tbody.replaceChildren();
  for (const c of data.credentials) {
    const row = document.createElement("tr");
    row.dataset.kind = c.kind;
    row.dataset.id = c.id;
    row.dataset.ref = c.ref;
    const cell = (text) => { const td = document.createElement("td"); td.textContent = text; row.append(td); return td; };
    const lost = document.createElement("input");
    lost.type = "checkbox";
    lost.className = "lost";
    lost.setAttribute("aria-label", tr("I lost this"));
    cell("").append(lost);
    const name = document.createElement("input");
    name.className = "name";
    name.value = c.name || "";
    name.placeholder = c.kind === "passkey" ? tr("Passkey") : tr("Phone");
    name.maxLength = 64;
    name.setAttribute("aria-label", tr("Name"));
    cell("").append(name);
    cell(c.kind === "passkey" ? tr("passkey") + (c.backup_eligible ? tr(" (synced)") : "") : tr("linked phone"));
    cell(when(c.created_at));
    cell(when(c.last_used_at));
    cell(c.model || c.aaguid || "");
    const actions = cell("");
    const save = document.createElement("button");
    save.type = "button";
    save.className = "link rename";
    save.textContent = tr("Save name");
    save.addEventListener("click", async () => {
      try {
        await postJSON("/account/credentials/rename", { kind: c.kind, id: c.id, name: name.value });
        say(tr("Renamed."), "done");
      } catch (e) { say(e.message, "error", e.code); }
    });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link remove";
    remove.textContent = tr("Remove");
    remove.addEventListener("click", async () => {
      try {
        await withStepUp("manage", tr("Confirm it is you to remove it"), () => postJSON("/account/credentials/remove", { kind: c.kind, id: c.id }));
        say(tr("Removed. An SMS tells you so."), "done");
        refresh();
      } catch (e) { say(e.message, "error", e.code); }
    });
    actions.append(save, remove);
    tbody.append(row);
  }
  $("creds").dataset.count = String(data.credentials.length);
  $("creds-empty").hidden = data.credentials.length > 0;
  $("creds").hidden = data.credentials.length === 0;
  const phone = data.phone;
  $("phone-now").textContent = phone ? phone.masked : tr("none");
  $("phone-quarantine").hidden = !(phone && phone.quarantined);
  if (phone) $("phone-usable").textContent = whenAt(phone.usable_at);
  body.dataset.loaded = "1";
}

switch (body.dataset.page) {
  case "account": {
    refresh();
    $("phone-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const phone = $("new-phone").value;
      try {
        const r = await withStepUp("manage", tr("Confirm it is you to change the number"), () => postJSON("/account/phone", { phone }));
        $("new-phone").value = "";
        say(tr("Number changed to {phone}; it serves SMS from {time}.", { phone: r.phone, time: whenAt(r.usable_at) }), "done");
        refresh();
      } catch (e) { say(e.message, "error", e.code); }
    });
    $("recover").addEventListener("click", async () => {
      const lost = [...document.querySelectorAll("#creds-body tr")].filter((row) => row.querySelector("input.lost").checked)
        .map((row) => ({ kind: row.dataset.kind, id: row.dataset.id }));
      if (lost.length === 0) { say(tr("Tick what you lost first."), "error", "invalid_input"); return; }
      try {
        const r = await withStepUp("recover", tr("Recovery: confirm with ECP or another linked phone"), () => postJSON("/account/recover", { lost }));
        say(tr("Removed {n}. Your sessions have ended: sign in again.", { n: r.removed }), "done");
        setTimeout(() => location.assign("/"), 1500);
      } catch (e) { say(e.message, "error", e.code); }
    });
    break;
  }
  case "not-me": {
    // The token travels after '#': it never reaches a server log. Take it
    // off the address bar at once.
    const token = location.hash.slice(1);
    history.replaceState(null, "", location.pathname);
    const status = $("report-status");
    if (!token) {
      status.textContent = tr("This link is incomplete.");
      status.dataset.state = "error";
      $("report").disabled = true;
      break;
    }
    $("report").addEventListener("click", async () => {
      try {
        const r = await postJSON("/account/report", { token });
        status.textContent = (r.removed ? tr("The new passkey or phone was removed. ") : "") +
          (r.phone_restored ? tr("Your previous number is bound again. ") : "") +
          tr("Every session of your account has ended. Sign in again with your ECP key.");
        status.dataset.state = "done";
        $("report").disabled = true;
      } catch (e) {
        status.textContent = e.message;
        status.dataset.state = "error";
        status.dataset.code = e.code || "error";
      }
    });
    break;
  }
}
