// The provider directory across all six regions: the mutually recognised laboratories and
// institutes, their categories and services with list prices, and their average rating. Public.

import { get } from "../api.js";
import { t } from "../i18n.js";
import { formatFen } from "../money.js";
import { h, section } from "../ui.js";

function ratingText(provider) {
  const count = provider.ratings ?? 0;
  if (!count) return t("directory.no_ratings");
  const average = provider.rating_average_x100 !== undefined ? provider.rating_average_x100 / 100 :
    (provider.rating_sum ?? 0) / count;
  return t("directory.rating", { average: Number(average).toFixed(1), count });
}

function providerCard(region, provider) {
  const services = provider.services ?? [];
  return h("article", { class: "provider", "data-provider": provider.id,
    "data-search": [provider.name, provider.id,
    ...(provider.categories ?? []), ...services.map((s) => s.title)].join(" ").toLowerCase() },
  h("h3", {}, provider.name ?? provider.id),
  h("p", { class: "meta" }, t(`region.${region}`), " · ",
    (provider.categories ?? []).map((c) => t(`category.${c}`)).join("、"), " · ",
    ratingText(provider)),
  services.length ? h("ul", { class: "services" }, services.map((service) => h("li", {},
    h("span", {}, service.title), " ",
    h("span", { class: "price" }, formatFen(service.price)), " ",
    h("span", { class: "meta" }, t(`category.${service.category}`))))) :
    h("p", { class: "meta" }, t("directory.no_services")));
}

export async function render({ main }) {
  const answer = await get("/v1/directory?scope=federation");
  const regions = answer.regions ?? [];
  const search = h("input", { id: "directory-search", type: "search",
    placeholder: t("directory.search_placeholder") });
  const cards = [];
  const blocks = regions.map((block) => {
    const providers = block.providers ?? [];
    const mine = providers.map((provider) => providerCard(block.region, provider));
    cards.push(...mine);
    return h("section", { class: "card region-block", "data-region": block.region },
      h("h2", {}, t(`region.${block.region}`)),
      block.reachable === false ? h("p", { class: "warning" }, t("directory.unreachable")) : null,
      mine.length ? h("div", { class: "providers" }, mine) :
        h("p", { class: "empty" }, t("directory.none")));
  });
  const count = h("p", { class: "meta", role: "status" });
  const filter = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const card of cards) {
      const match = words.every((word) => card.dataset.search.includes(word));
      card.hidden = !match;
      if (match) shown++;
    }
    count.textContent = t("directory.shown", { shown, total: cards.length });
  };
  search.addEventListener("input", filter);
  main.append(h("h1", {}, t("directory.title")), h("p", { class: "lead" }, t("directory.lead")),
    section("directory.search", h("label", { for: "directory-search" }, t("directory.search_label")),
      search, count), ...blocks);
  filter();
}
