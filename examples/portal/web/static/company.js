// The company page: sign a contract for the company. The server allows
// only the first head's or a right-to-sign employee's ECP key; a refusal
// (code signer_not_allowed) comes with its reason in the page's language.
import { mountFlow, postJSON } from "/auth/client.js";

const $ = (id) => document.getElementById(id);
const ncalayer = document.body.dataset.ncalayer;

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
      base: "/auth", action: "sign-contract", ncalayer, title: "Sign the contract with your ECP key",
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
      h.textContent = "Signed for the company";
      p.textContent = "“" + r.title + "” signed for " + r.company + " (BIN " + r.bin + ") by " + r.signed_by +
        " (" + r.role.replace(/_/g, " ") + ") at " + new Date(r.signed_at).toLocaleString() + ".";
      receipt.dataset.state = "signed";
      receipt.dataset.role = r.role;
    } catch (e) {
      h.textContent = "Not signed";
      p.textContent = e.message;
      receipt.dataset.state = "error";
      receipt.dataset.code = e.code || "error";
    }
    receipt.append(h, p);
    receipt.hidden = false;
  });
}
