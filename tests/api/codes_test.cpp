// The reasons are a published interface: problem bodies, peer answers kept in ledgers and CLI
// messages carry them. This table pins each reason's number, name and HTTP status; changing one of
// them, or adding a reason without a row here, fails.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "api/routes.h"
#include "base/status.h"

namespace innoclear {
namespace {

struct Row {
  Code code;
  int number;
  std::string_view name;
  unsigned http;
};

constexpr Row rows[] = {
    {Code::ok, 0, "ok", 200},
    {Code::json_syntax, 1001, "json_syntax", 400},
    {Code::json_whitespace, 1002, "json_whitespace", 400},
    {Code::json_unsorted_keys, 1003, "json_unsorted_keys", 400},
    {Code::json_duplicate_key, 1004, "json_duplicate_key", 400},
    {Code::json_float, 1005, "json_float", 400},
    {Code::json_integer_out_of_range, 1006, "json_integer_out_of_range", 400},
    {Code::json_invalid_utf8, 1007, "json_invalid_utf8", 400},
    {Code::json_too_deep, 1008, "json_too_deep", 400},
    {Code::json_noncanonical_number, 1009, "json_noncanonical_number", 400},
    {Code::json_noncanonical_string, 1010, "json_noncanonical_string", 400},
    {Code::json_non_ascii_key, 1011, "json_non_ascii_key", 400},
    {Code::json_trailing_data, 1012, "json_trailing_data", 400},
    {Code::json_too_large, 1013, "json_too_large", 413},
    {Code::bad_signature, 2001, "bad_signature", 401},
    {Code::bad_key, 2002, "bad_key", 500},
    {Code::bad_note, 2003, "bad_note", 500},
    {Code::key_file, 2004, "key_file", 500},
    {Code::unknown_signer, 2005, "unknown_signer", 500},
    {Code::bad_certificate, 2006, "bad_certificate", 500},
    {Code::bad_encoding, 2007, "bad_encoding", 500},
    {Code::io_error, 3001, "io_error", 500},
    {Code::storage_full, 3002, "storage_full", 507},
    {Code::storage_corrupt, 3003, "storage_corrupt", 500},
    {Code::not_found, 3004, "not_found", 404},
    {Code::out_of_range, 3005, "out_of_range", 400},
    {Code::unsafe_storage, 3006, "unsafe_storage", 500},
    {Code::verify_failed, 3007, "verify_failed", 500},
    {Code::shutting_down, 3008, "shutting_down", 503},
    {Code::already_exists, 3009, "already_exists", 409},
    {Code::invalid_argument, 3010, "invalid_argument", 400},
    {Code::locked, 3011, "locked", 500},
    {Code::bad_statement, 4001, "bad_statement", 400},
    {Code::unknown_actor, 4002, "unknown_actor", 401},
    {Code::key_revoked, 4003, "key_revoked", 401},
    {Code::actor_revoked, 4004, "actor_revoked", 403},
    {Code::forbidden, 4005, "forbidden", 403},
    {Code::not_own_party, 4006, "not_own_party", 403},
    {Code::wrong_region, 4007, "wrong_region", 403},
    {Code::stale_time, 4008, "stale_time", 401},
    {Code::nonce_conflict, 4009, "nonce_conflict", 409},
    {Code::id_conflict, 4010, "id_conflict", 409},
    {Code::unknown_kind, 4011, "unknown_kind", 400},
    {Code::unknown_field, 4012, "unknown_field", 400},
    {Code::rate_limited, 4013, "rate_limited", 429},
    {Code::bad_target, 4014, "bad_target", 400},
    {Code::invalid_id, 4015, "invalid_id", 400},
    {Code::amount_invalid, 5001, "amount_invalid", 422},
    {Code::over_face_cap, 5002, "over_face_cap", 422},
    {Code::over_yearly_count, 5003, "over_yearly_count", 422},
    {Code::over_yearly_amount, 5004, "over_yearly_amount", 422},
    {Code::budget_insufficient, 5005, "budget_insufficient", 422},
    {Code::category_not_allowed, 5006, "category_not_allowed", 422},
    {Code::region_not_accepted, 5007, "region_not_accepted", 422},
    {Code::application_not_pending, 5008, "application_not_pending", 422},
    {Code::voucher_not_live, 5009, "voucher_not_live", 422},
    {Code::voucher_expired, 5010, "voucher_expired", 422},
    {Code::already_redeemed, 5011, "already_redeemed", 409},
    {Code::receipt_not_confirmed, 5012, "receipt_not_confirmed", 422},
    {Code::receipt_consumed, 5013, "receipt_consumed", 422},
    {Code::receipt_mismatch, 5014, "receipt_mismatch", 422},
    {Code::not_assigned, 5015, "not_assigned", 422},
    {Code::not_payable, 5016, "not_payable", 422},
    {Code::already_rated, 5017, "already_rated", 422},
    {Code::rating_invalid, 5018, "rating_invalid", 422},
    {Code::not_expired_yet, 5019, "not_expired_yet", 422},
    {Code::invalid_credit_code, 5020, "invalid_credit_code", 422},
    {Code::actor_exists, 5021, "actor_exists", 409},
    {Code::no_budget, 5022, "no_budget", 422},
    {Code::paid_exceeds_price, 5023, "paid_exceeds_price", 422},
    {Code::peer_forked, 6001, "peer_forked", 422},
    {Code::statements_differ, 6002, "statements_differ", 422},
    {Code::period_open, 6003, "period_open", 422},
    {Code::peer_unproven, 6004, "peer_unproven", 403},
};

TEST_CASE("Every reason keeps its number, its name and its HTTP status") {
  for (const Row& row : rows) {
    INFO(row.name);
    CHECK(static_cast<int>(row.code) == row.number);
    CHECK(code_name(row.code) == row.name);
    CHECK(api::http_status(row.code) == row.http);
    CHECK(code_from_number(row.number) == row.code);
  }
}

TEST_CASE("Every number that names a reason has a row in the golden table") {
  std::set<int> pinned;
  for (const Row& row : rows) pinned.insert(row.number);
  for (int number = 0; number <= UINT16_MAX; ++number) {
    if (code_from_number(number)) {
      INFO("reason " << number << " (" << code_name(*code_from_number(number)) << ")");
      CHECK(pinned.count(number) == 1);
    }
  }
  CHECK_FALSE(code_from_number(-1));
  CHECK_FALSE(code_from_number(UINT16_MAX + 1));
}

TEST_CASE("No reason number looks like an HTTP status") {
  for (const Row& row : rows) {
    if (row.code == Code::ok) continue;
    INFO(row.name);
    CHECK(row.number >= 1000);
  }
}

TEST_CASE("A problem body names the reason by number and name") {
  const nlohmann::json body =
      nlohmann::json::parse(api::problem_json(Status(Code::forbidden, "a provider may not apply")));
  CHECK(body["code"] == 4005);
  CHECK(body["title"] == "forbidden");
  CHECK(body["type"] == "urn:innoclear:problem:forbidden");
  CHECK(body["status"] == 403);
}

}  // namespace
}  // namespace innoclear
