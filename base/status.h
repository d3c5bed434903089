// The vocabulary every part shares: stable rejection codes, Status and Result<T>.
//
// Operating errors are values: a function that can fail returns a Status or a Result<T>, never
// throws across a part's boundary. Below every other part; it depends on nothing.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace innoclear {

// Stable reasons: numbers are never renumbered and never reused once released; API problem bodies,
// peer answers recorded in ledgers and CLI messages carry them. The thousands are areas, not HTTP
// classes (api/ maps each reason to its HTTP status, tests/api/codes_test.cpp pins all three).
// A new reason is appended at the end of its area, given a name in code_name() and a status in
// api::http_status() (both switches have no default, so the compiler names what is missing).
enum class Code : std::uint16_t {
  ok = 0,

  // 1xxx: canonical JSON. Each way of being non-canonical has its own reason.
  json_syntax = 1001,
  json_whitespace = 1002,
  json_unsorted_keys = 1003,
  json_duplicate_key = 1004,
  json_float = 1005,
  json_integer_out_of_range = 1006,
  json_invalid_utf8 = 1007,
  json_too_deep = 1008,
  json_noncanonical_number = 1009,
  json_noncanonical_string = 1010,
  json_non_ascii_key = 1011,
  json_trailing_data = 1012,
  json_too_large = 1013,

  // 2xxx: keys, signatures, notes, certificates, encodings.
  bad_signature = 2001,
  bad_key = 2002,
  bad_note = 2003,
  key_file = 2004,
  unknown_signer = 2005,
  bad_certificate = 2006,
  bad_encoding = 2007,

  // 3xxx: storage, the ledger, and arguments.
  io_error = 3001,
  storage_full = 3002,
  storage_corrupt = 3003,
  not_found = 3004,
  out_of_range = 3005,
  unsafe_storage = 3006,
  verify_failed = 3007,
  shutting_down = 3008,
  already_exists = 3009,
  invalid_argument = 3010,
  locked = 3011,

  // 4xxx: statements, authentication and authorisation.
  bad_statement = 4001,
  unknown_actor = 4002,
  key_revoked = 4003,
  actor_revoked = 4004,
  forbidden = 4005,
  not_own_party = 4006,
  wrong_region = 4007,
  stale_time = 4008,
  nonce_conflict = 4009,
  id_conflict = 4010,
  unknown_kind = 4011,
  unknown_field = 4012,  // a body field the statement's kind does not define
  rate_limited = 4013,   // too many requests from this actor, peer or address; retry later
  bad_target = 4014,     // a request target or header that is not printable ASCII
  invalid_id = 4015,     // an id outside its charset or length

  // 5xxx: the voucher rules (clearing/).
  amount_invalid = 5001,
  over_face_cap = 5002,
  over_yearly_count = 5003,
  over_yearly_amount = 5004,
  budget_insufficient = 5005,
  category_not_allowed = 5006,
  region_not_accepted = 5007,
  application_not_pending = 5008,
  voucher_not_live = 5009,
  voucher_expired = 5010,
  already_redeemed = 5011,
  receipt_not_confirmed = 5012,
  receipt_consumed = 5013,
  receipt_mismatch = 5014,
  not_assigned = 5015,
  not_payable = 5016,
  already_rated = 5017,
  rating_invalid = 5018,
  not_expired_yet = 5019,
  invalid_credit_code = 5020,
  actor_exists = 5021,
  no_budget = 5022,
  paid_exceeds_price = 5023,

  // 6xxx: the federation and its clearing periods.
  peer_forked = 6001,        // the peer showed two histories: no new work with it
  statements_differ = 6002,  // a bilateral period statement does not match the peer's
  period_open = 6003,        // the clearing period has not closed yet
  peer_unproven = 6004,      // a peer request without its actor's own signed statement and proof
};

// The stable snake_case name of a code, e.g. "json_duplicate_key"; "unknown" for a number that
// names no code.
std::string_view code_name(Code code);
// The code with this number, or nullopt: for clients reading a problem body or a peer's answer.
std::optional<Code> code_from_number(std::int64_t number);

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
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
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
