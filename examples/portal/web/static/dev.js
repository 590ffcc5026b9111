// The development panel: revoke and reinstate test certificates, stop and
// start the development OCSP responder, move the portal's clock.
import { postJSON } from "/auth/client.js";
import { tr, when } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);

async function refresh() {
  const s = await (await fetch("/dev/api/state", { credentials: "same-origin" })).json();
  for (const p of s.people) {
    const row = document.querySelector(`#dev-people tr[data-iin="${p.iin}"]`);
    if (!row) continue;
    row.dataset.revoked = String(p.revoked);
    row.querySelector(".status").textContent = p.revoked ? tr("revoked") : tr("valid");
    const b = row.querySelector("button.revoke");
    b.textContent = p.revoked ? tr("Reinstate") : tr("Revoke");
    b.dataset.revoked = String(p.revoked);
  }
  $("dev-ocsp-url").textContent = s.ocsp.url;
  $("dev-ocsp-state").textContent = s.ocsp.up ? tr("answering") : tr("stopped");
  $("dev-ocsp-state").dataset.up = String(s.ocsp.up);
  $("dev-ocsp-toggle").textContent = s.ocsp.up ? tr("Stop the OCSP responder") : tr("Start the OCSP responder");
  $("dev-crl").textContent = String(s.crl_number);
  $("dev-now").textContent = when(s.clock.now);
  $("dev-now").dataset.now = s.clock.now;
  $("dev-clock").hidden = !s.clock.enabled;
  $("dev-clock-off").hidden = s.clock.enabled;
  $("dev-offset").textContent = s.clock.offset_seconds ? tr("(+{n} min)", { n: Math.round(s.clock.offset_seconds / 60) }) : "";
  $("dev-offset").dataset.seconds = String(s.clock.offset_seconds || 0);
  document.body.dataset.devState = "ready";
}

async function act(call) {
  const status = $("dev-status");
  status.textContent = "";
  delete status.dataset.code;
  try {
    await call();
  } catch (e) {
    status.textContent = e.message;
    status.dataset.code = e.code || "error";
  }
  await refresh();
}

for (const b of document.querySelectorAll("button.revoke")) {
  b.addEventListener("click", () => act(() => postJSON("/dev/api/revocation", { iin: b.dataset.iin, revoked: b.dataset.revoked !== "true" })));
}
$("dev-ocsp-toggle").addEventListener("click", () =>
  act(() => postJSON("/dev/api/ocsp", { up: $("dev-ocsp-state").dataset.up !== "true" })));
for (const b of document.querySelectorAll("[data-advance]")) {
  b.addEventListener("click", () => act(() => postJSON("/dev/api/clock", { advance: b.dataset.advance })));
}
$("dev-clock-reset").addEventListener("click", () => act(() => postJSON("/dev/api/clock", { reset: true })));
refresh();
