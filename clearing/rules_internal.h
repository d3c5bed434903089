// Internal to clearing/: helpers shared by the rule files.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clearing/rules.h"
#include "clearing/settlement.h"

namespace innoclear::clearing::detail {

// Reading the body of a statement; every failure is bad_statement naming the field.
Result<std::string> text_field(const nlohmann::json& body, const char* name,
                               std::size_t bytes_max = identifier_bytes_max);
Result<std::int64_t> integer_field(const nlohmann::json& body, const char* name);
// An id a client chooses (an actor's, an application's, a receipt's): text_field, then 1 to
// identifier_bytes_max characters of A–Z a–z 0–9 . _ -, beginning with a letter or digit
// (invalid_id). Such ids reach record keys, peers' books and spreadsheets.
Result<std::string> id_field(const nlohmann::json& body, const char* name);
bool is_valid_id(std::string_view id);
// A positive amount of fen (amount_invalid if ≤ 0).
Result<std::int64_t> amount_field(const nlohmann::json& body, const char* name);

// An optional text field: empty when absent, else text_field's checks.
Result<std::string> optional_text(const nlohmann::json& body, const char* name);

// A page of a list query: the optional body fields "offset" (from 0) and "limit" (1 to
// page_rows_max, default page_rows_default); invalid_argument outside those bounds.
struct Page {
  std::int64_t offset = 0;
  std::int64_t limit = 0;
};
Result<Page> page_of(const nlohmann::json& body);
// {"<name>":rows[offset, offset + limit),"limit","offset","total":rows.size()}.
nlohmann::json paged(const nlohmann::json& rows, const Page& page, const char* name);

// Whether the voucher's assigned or redeeming provider is `id` of the region `actor` names (a
// provider of another region may carry the same id).
bool is_voucher_provider(const nlohmann::json& voucher, const std::string& id,
                         const nlohmann::json& actor);

// A record that must exist (not_found naming `what`).
Result<nlohmann::json> require(const Store& store, Table table, const std::string& key,
                               const std::string& what);

// The region's policy (defaults until the office sets one).
Result<nlohmann::json> policy(const Store& store);
nlohmann::json default_policy();

// The budget of a year; no_budget if the office never allocated one.
Result<nlohmann::json> budget(const Store& store, int year);
// Moves `amount` from one budget bucket to another, checked. budget_insufficient if `from`
// would go negative, amount_invalid on overflow.
Status move_budget(nlohmann::json& budget, const char* from, const char* to, std::int64_t amount);

// Integer field of a stored record (stored records are trusted: written by these rules).
std::int64_t stored(const nlohmann::json& record, const char* name);

bool contains_string(const nlohmann::json& list, const std::string& value);

// Appends the step {"index","state","time_ms"} (this entry, `state`, its acceptance time) to the
// voucher's "timeline": the voucher's life as a client draws it, each step with the entry that
// made it.
void mark(nlohmann::json& voucher, std::string_view state, const Context& context);

// A provider's statistics for the Asia/Shanghai month of `utc_ms` (zeros if none yet), and the key
// they are stored under: "<region>|<provider>|<YYYY-MM>" — a provider is its region and its id, so
// a provider of this region never shares the statistics of another region's provider with the
// same id.
Result<nlohmann::json> provider_stats(const Store& store, std::string_view provider_region,
                                      const std::string& provider, std::int64_t utc_ms,
                                      std::string& key);
// The same for a provider registered on this node (its region from its record; not_found if it
// is not registered here).
Result<nlohmann::json> provider_stats(const Store& store, const std::string& provider,
                                      std::int64_t utc_ms, std::string& key);
// The prefix of every statistics key of one provider: "<region>|<provider>|".
std::string provider_stats_prefix(std::string_view provider_region, const std::string& provider);

// The voucher state a redemption requires: live and unexpired (already_redeemed, voucher_not_live,
// voucher_expired).
Status check_redeemable(const nlohmann::json& voucher, const Context& context);

// Cross-region (rules_federation.cpp): whether body[field] names a region other than this node's.
bool is_cross_region(const nlohmann::json& body, const char* field, const Context& context);
// The region's policy funds services of providers in `provider_region` (region_not_accepted).
Status check_policy_funds(const Store& store, Region provider_region);
// A redemption of `amount` (≤ face) releases the voucher's reservation: amount to redeemed, the
// rest back to available.
Status settle_reservation(Store& store, const nlohmann::json& voucher, std::int64_t amount);
// Counts one service of `amount` in the provider's statistics of the month of `utc_ms`.
Status count_service(Store& store, const std::string& provider, std::int64_t amount,
                     std::int64_t utc_ms);
// Records the obligation line both notaries keep for a cross-region redemption. Its clearing
// period is the one of `requested_ms`, the coordinator's lock time, which both sides know.
Status put_obligation(Store& store, const ObligationLine& line, std::int64_t requested_ms);

// What a peer request claims one actor of the asking region (`home`) signed: a statement of
// `kind` whose body has each of `fields` (name, value).
struct ActorClaim {
  std::string home;
  std::string actor;
  std::string role;  // enterprise or provider: the role its registration gave it
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;
};
// Checks the request body's `actor_statement` and `key_entry` against the claim
// (rules_peer_proof.cpp) and returns the actor's statement; peer_unproven if anything differs.
Result<Statement> check_actor_proof(const Store& store, const nlohmann::json& body,
                                    const ActorClaim& claim);

// The coordinator's record of a request's outcome, kept once its answer is recorded (the outbox
// row is gone by then): indexes[answered_key(request id)] (rules_answers.cpp; read by
// query.redemption). '~' is in no id's charset, so no other index key can take it.
std::string answered_key(const std::string& request_id);

// The coordinator's first phase: lock, and queue the request to the peer in the outbox.
Result<nlohmann::json> start_pay_first_abroad(Store& store, const Statement& statement,
                                              const Context& context, nlohmann::json voucher,
                                              const std::string& provider,
                                              const std::string& receipt_id);
Result<nlohmann::json> start_provider_redemption_abroad(Store& store, const Statement& statement,
                                                        const Context& context);

}  // namespace innoclear::clearing::detail
