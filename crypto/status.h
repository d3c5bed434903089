// The vocabulary every part shares: stable rejection codes, Status and Result<T>.
//
// Operating errors are values (STYLE.md). A Code is a stable, numbered reason: numbers are never
// renumbered and never reused, because API error codes and CLI exit messages are derived from them.
// New reasons are appended inside their hundred.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace innoclear {

enum class Code : std::uint16_t {
  ok = 0,

  // 1xx: canonical JSON. Each way of being non-canonical has its own reason.
  json_syntax = 100,
  json_whitespace = 101,
  json_unsorted_keys = 102,
  json_duplicate_key = 103,
  json_float = 104,
  json_integer_out_of_range = 105,
  json_invalid_utf8 = 106,
  json_too_deep = 107,
  json_noncanonical_number = 108,
  json_noncanonical_string = 109,
  json_non_ascii_key = 110,
  json_trailing_data = 111,
  json_too_large = 112,

  // 2xx: keys, signatures, notes, certificates.
  bad_signature = 200,
  bad_key = 201,
  bad_note = 202,
  key_file = 203,
  unknown_signer = 204,
  bad_certificate = 205,
  bad_encoding = 206,

  // 3xx: storage and the ledger.
  io_error = 300,
  storage_full = 301,
  storage_corrupt = 302,
  not_found = 303,
  out_of_range = 304,
  unsafe_storage = 305,
  verify_failed = 306,
  shutting_down = 307,
  already_exists = 308,
  invalid_argument = 309,
  locked = 310,

  // 4xx: requests, authentication and authorisation.
  bad_statement = 400,
  unknown_actor = 401,
  key_revoked = 402,
  actor_revoked = 403,
  forbidden = 404,
  not_own_party = 405,
  wrong_region = 406,
  stale_time = 407,
  nonce_conflict = 408,
  id_conflict = 409,
  unknown_kind = 410,

  // 5xx: voucher rules.
  amount_invalid = 500,
  over_face_cap = 501,
  over_yearly_count = 502,
  over_yearly_amount = 503,
  budget_insufficient = 504,
  category_not_allowed = 505,
  region_not_accepted = 506,
  application_not_pending = 507,
  voucher_not_live = 508,
  voucher_expired = 509,
  already_redeemed = 510,
  receipt_not_confirmed = 511,
  receipt_consumed = 512,
  receipt_mismatch = 513,
  not_assigned = 514,
  not_payable = 515,
  already_rated = 516,
  rating_invalid = 517,
  not_expired_yet = 518,
  invalid_credit_code = 519,
  actor_exists = 520,
  no_budget = 521,
  paid_exceeds_price = 522,
  peer_forked = 523,         // the peer showed two histories: no new work with it
  statements_differ = 524,   // a bilateral period statement does not match the peer's
  period_open = 525,         // the clearing period has not closed yet
};

// The stable snake_case name of a code, e.g. "json_duplicate_key".
std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status success() { return {}; }

  bool ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code_name: message", one line, for logs and the CLI.
  std::string to_string() const;

 private:
  Code code_ = Code::ok;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok());
  }
  Result(Code code, std::string message) : status_(code, std::move(message)) {
    assert(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace innoclear
