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
// the office or an auditor; query.vouchers {state, enterprise, provider, offset, limit} — an
// enterprise's own vouchers, a provider's assigned or redeemed ones, the office's and an
// auditor's all, paged; query.applications and query.messages (queries_books.cpp) — the approval
// queue and messages to the office, an author's own; query.report {month} — the office's budgets,
// provider statistics and assessment; query.stats {offset, limit} — a provider's own statistics
// and ratings; query.actor {} — the caller's own registration (and an enterprise's quota);
// query.entry {index} — a whole ledger entry,
// read through `entry_at`: to the region's office, an auditor, this region's node, every party
// the entry names (its signer; the actor an actor.* kind is about; an enterprise, provider,
// assigned provider or payee in its body or result; the enterprise owning and the provider that
// redeemed a voucher it names), and a peer node when the entry names its region (a
// provider_region, voucher_region, peer, or a request id <REGION>-R…) or is federation-wide
// (manifest, period, settlement kinds). Fails with forbidden (a role the kind does not name) or
// not_own_party (anyone else); query.entry without `entry_at` is not_found.
Result<nlohmann::json> query(const Store& store, const Statement& statement,
                             const EntryAt& entry_at = {});

// A clearing period as region `own`'s node recorded it — what query.settlement answers:
// {"from_ms","lines":[<own obligation lines with every peer>],"period","settlement":<the
// settlements row, or null>,"to_ms"}. invalid_argument for a period id the federation's setting
// does not name; not_found before a federation manifest was adopted.
Result<nlohmann::json> settlement_view(const Store& store, Region own, const std::string& period);

}  // namespace innoclear::clearing
