// Reads of private data: who may see what. A query is a signed statement (kind "query.*") that is
// authenticated like any other but never recorded.
#pragma once

#include "clearing/kinds.h"
#include "clearing/rules.h"

namespace innoclear::clearing {

// Rows a list query answers at once (its "limit"): by default, and at most.
constexpr std::int64_t page_rows_default = 50;
constexpr std::int64_t page_rows_max = 500;

// Kinds: query.voucher {voucher_id} — the owning enterprise, the assigned or redeeming provider,
// the office or an auditor; query.vouchers {} — an enterprise's own vouchers; query.report {} —
// the office's budgets and provider statistics; query.stats {} — a provider's own statistics;
// query.actor {} — the caller's own registration; query.entry {index} — a whole ledger entry,
// read through `entry_at`: to the region's office, an auditor, this region's node, every party
// the entry names (its signer; the actor an actor.* kind is about; an enterprise, provider,
// assigned provider or payee in its body or result; the enterprise owning and the provider that
// redeemed a voucher it names), and a peer node when the entry names its region (a
// provider_region, voucher_region, peer, or a request id <REGION>-R…) or is federation-wide
// (manifest, period, settlement kinds). Fails with forbidden (a role the kind does not name) or
// not_own_party (anyone else); query.entry without `entry_at` is not_found.
Result<nlohmann::json> query(const Store& store, const Statement& statement,
                             const EntryAt& entry_at = {});

}  // namespace innoclear::clearing
