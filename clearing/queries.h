// Reads of private data: who may see what. A query is a signed statement (kind "query.*") that is
// authenticated like any other but never recorded.
#pragma once

#include "clearing/rules.h"

namespace innoclear::clearing {

// Kinds: query.voucher {voucher_id} — the owning enterprise, the assigned or redeeming provider,
// or the office; query.vouchers {} — an enterprise's own vouchers; query.report {} — the office's
// budgets and provider statistics; query.stats {} — a provider's own statistics; query.actor {} —
// the caller's own registration. Fails with forbidden or not_own_party.
Result<nlohmann::json> query(const Store& store, const Statement& statement);

}  // namespace innoclear::clearing
