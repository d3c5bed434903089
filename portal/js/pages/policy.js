// The region's voucher policy: public, as the node's ledger holds it.

import { get } from "../api.js";
import { t } from "../i18n.js";
import { formatFen } from "../money.js";
import { h, section } from "../ui.js";

function row(key, value) {
  return [h("dt", {}, t(key)), h("dd", {}, value)];
}

export async function render({ main, region }) {
  const answer = await get("/v1/policy");
  const policy = answer.policy ?? answer;
  main.append(h("h1", {}, t("policy.title", { region: t(`region.${region}`) })),
    h("p", { class: "lead" }, t("policy.lead")),
    section("policy.rules", h("dl", { class: "facts" },
      row("policy.face_cap", formatFen(policy.face_cap)),
      row("policy.yearly_count_max", policy.yearly_count_max),
      row("policy.yearly_amount_max", formatFen(policy.yearly_amount_max)),
      row("policy.ratio", `${(policy.ratio_bp / 100).toFixed(2)} %`),
      row("policy.validity_days", policy.validity_days),
      row("policy.categories", (policy.categories ?? []).map((c) => t(`category.${c}`)).join("、")),
      row("policy.accepted_regions",
        (policy.accepted_regions ?? []).map((r) => t(`region.${r}`)).join("、")))));
}
