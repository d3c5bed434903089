#include "crypto/status.h"

namespace innoclear {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::json_syntax: return "json_syntax";
    case Code::json_whitespace: return "json_whitespace";
    case Code::json_unsorted_keys: return "json_unsorted_keys";
    case Code::json_duplicate_key: return "json_duplicate_key";
    case Code::json_float: return "json_float";
    case Code::json_integer_out_of_range: return "json_integer_out_of_range";
    case Code::json_invalid_utf8: return "json_invalid_utf8";
    case Code::json_too_deep: return "json_too_deep";
    case Code::json_noncanonical_number: return "json_noncanonical_number";
    case Code::json_noncanonical_string: return "json_noncanonical_string";
    case Code::json_non_ascii_key: return "json_non_ascii_key";
    case Code::json_trailing_data: return "json_trailing_data";
    case Code::json_too_large: return "json_too_large";
    case Code::bad_signature: return "bad_signature";
    case Code::bad_key: return "bad_key";
    case Code::bad_note: return "bad_note";
    case Code::key_file: return "key_file";
    case Code::unknown_signer: return "unknown_signer";
    case Code::bad_certificate: return "bad_certificate";
    case Code::bad_encoding: return "bad_encoding";
    case Code::io_error: return "io_error";
    case Code::storage_full: return "storage_full";
    case Code::storage_corrupt: return "storage_corrupt";
    case Code::not_found: return "not_found";
    case Code::out_of_range: return "out_of_range";
    case Code::unsafe_storage: return "unsafe_storage";
    case Code::verify_failed: return "verify_failed";
    case Code::shutting_down: return "shutting_down";
    case Code::already_exists: return "already_exists";
    case Code::invalid_argument: return "invalid_argument";
    case Code::locked: return "locked";
  }
  return "unknown";
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
