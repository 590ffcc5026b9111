// The company page: sign a contract for the company. The server allows
// only the first head's or a right-to-sign employee's ECP key; a refusal
// (code signer_not_allowed) comes with its reason in the page's language.
import { mountFlow, postJSON } from "/auth/client.js";
import { lang, tr, when } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const ncalayer = document.body.dataset.ncalayer;
// roles names the signer's role of a receipt.
const roles = { first_head: "first head", right_to_sign: "employee with the right to sign" };

// signature runs the ECP step-up of "sign-contract" in the #stepup box: it
// resolves once the policy is satisfied and rejects when the server
// refuses the signer (another attempt starts from the button).
function signature() {
  const box = $("stepup");
  box.hidden = false;
  box.scrollIntoView({ block: "center" });
  const close = () => { box.hidden = true; box.replaceChildren(); };
  return new Promise((resolve, reject) => {
    mountFlow(box, {
      base: "/auth", action: "sign-contract", lang, ncalayer, title: tr("Sign the contract with your ECP key"),
      onDone: () => { close(); resolve(); },
      onError: (e) => { if (e.code === "signer_not_allowed") { close(); reject(e); } },
    });
  });
}

async function sign(id) {
  try {
    return await postJSON("/api/contract", { contract: id });
  } catch (e) {
    if (e.code !== "step_up_required") throw e;
    await signature();
    return postJSON("/api/contract", { contract: id });
  }
}

for (const button of document.querySelectorAll("button.contract")) {
  button.addEventListener("click", async () => {
    const receipt = $("contract-receipt");
    receipt.hidden = true;
    delete receipt.dataset.state;
    receipt.replaceChildren();
    const h = document.createElement("h2");
    const p = document.createElement("p");
    try {
      const r = await sign(button.dataset.contract);
      const shown = document.querySelector(`article[data-contract="${button.dataset.contract}"] h2`);
      h.textContent = tr("Signed for the company");
      p.textContent = tr("“{title}” signed for {company} (BIN {bin}) by {name} ({role}) at {time}.", {
        title: shown ? shown.textContent : r.title, company: r.company, bin: r.bin, name: r.signed_by,
        role: roles[r.role] ? tr(roles[r.role]) : r.role, time: when(r.signed_at),
      });
      receipt.dataset.state = "signed";
      receipt.dataset.role = r.role;
    } catch (e) {
      h.textContent = tr("Not signed");
      p.textContent = e.message;
      receipt.dataset.state = "error";
      receipt.dataset.code = e.code || "error";
    }
    receipt.append(h, p);
    receipt.hidden = false;
  });
}
