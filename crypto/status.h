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

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace innoclear
