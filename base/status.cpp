#include "base/status.h"

namespace innoclear {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::json_syntax:
      return "json_syntax";
    case Code::json_whitespace:
      return "json_whitespace";
    case Code::json_unsorted_keys:
      return "json_unsorted_keys";
    case Code::json_duplicate_key:
      return "json_duplicate_key";
    case Code::json_float:
      return "json_float";
    case Code::json_integer_out_of_range:
      return "json_integer_out_of_range";
    case Code::json_invalid_utf8:
      return "json_invalid_utf8";
    case Code::json_too_deep:
      return "json_too_deep";
    case Code::json_noncanonical_number:
      return "json_noncanonical_number";
    case Code::json_noncanonical_string:
      return "json_noncanonical_string";
    case Code::json_non_ascii_key:
      return "json_non_ascii_key";
    case Code::json_trailing_data:
      return "json_trailing_data";
    case Code::json_too_large:
      return "json_too_large";
    case Code::bad_signature:
      return "bad_signature";
    case Code::bad_key:
      return "bad_key";
    case Code::bad_note:
      return "bad_note";
    case Code::key_file:
      return "key_file";
    case Code::unknown_signer:
      return "unknown_signer";
    case Code::bad_certificate:
      return "bad_certificate";
    case Code::bad_encoding:
      return "bad_encoding";
    case Code::io_error:
      return "io_error";
    case Code::storage_full:
      return "storage_full";
    case Code::storage_corrupt:
      return "storage_corrupt";
    case Code::not_found:
      return "not_found";
    case Code::out_of_range:
      return "out_of_range";
    case Code::unsafe_storage:
      return "unsafe_storage";
    case Code::verify_failed:
      return "verify_failed";
    case Code::shutting_down:
      return "shutting_down";
    case Code::already_exists:
      return "already_exists";
    case Code::invalid_argument:
      return "invalid_argument";
    case Code::locked:
      return "locked";
    case Code::bad_statement:
      return "bad_statement";
    case Code::unknown_actor:
      return "unknown_actor";
    case Code::key_revoked:
      return "key_revoked";
    case Code::actor_revoked:
      return "actor_revoked";
    case Code::forbidden:
      return "forbidden";
    case Code::not_own_party:
      return "not_own_party";
    case Code::wrong_region:
      return "wrong_region";
    case Code::stale_time:
      return "stale_time";
    case Code::nonce_conflict:
      return "nonce_conflict";
    case Code::id_conflict:
      return "id_conflict";
    case Code::unknown_kind:
      return "unknown_kind";
    case Code::unknown_field:
      return "unknown_field";
    case Code::rate_limited:
      return "rate_limited";
    case Code::bad_target:
      return "bad_target";
    case Code::invalid_id:
      return "invalid_id";
    case Code::amount_invalid:
      return "amount_invalid";
    case Code::over_face_cap:
      return "over_face_cap";
    case Code::over_yearly_count:
      return "over_yearly_count";
    case Code::over_yearly_amount:
      return "over_yearly_amount";
    case Code::budget_insufficient:
      return "budget_insufficient";
    case Code::category_not_allowed:
      return "category_not_allowed";
    case Code::region_not_accepted:
      return "region_not_accepted";
    case Code::application_not_pending:
      return "application_not_pending";
    case Code::voucher_not_live:
      return "voucher_not_live";
    case Code::voucher_expired:
      return "voucher_expired";
    case Code::already_redeemed:
      return "already_redeemed";
    case Code::receipt_not_confirmed:
      return "receipt_not_confirmed";
    case Code::receipt_consumed:
      return "receipt_consumed";
    case Code::receipt_mismatch:
      return "receipt_mismatch";
    case Code::not_assigned:
      return "not_assigned";
    case Code::not_payable:
      return "not_payable";
    case Code::already_rated:
      return "already_rated";
    case Code::rating_invalid:
      return "rating_invalid";
    case Code::not_expired_yet:
      return "not_expired_yet";
    case Code::invalid_credit_code:
      return "invalid_credit_code";
    case Code::actor_exists:
      return "actor_exists";
    case Code::no_budget:
      return "no_budget";
    case Code::paid_exceeds_price:
      return "paid_exceeds_price";
    case Code::peer_forked:
      return "peer_forked";
    case Code::statements_differ:
      return "statements_differ";
    case Code::period_open:
      return "period_open";
    case Code::peer_unproven:
      return "peer_unproven";
  }
  return "unknown";
}

std::optional<Code> code_from_number(std::int64_t number) {
  if (number < 0 || number > UINT16_MAX) return std::nullopt;
  const auto code = static_cast<Code>(number);
  if (code_name(code) == "unknown") return std::nullopt;
  return code;
}

std::string Status::to_string() const {
  std::string out(code_name(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace innoclear
