// Canonical JSON: the exact byte form every signed statement and ledger entry takes.
//
// Canonical means: UTF-8; no insignificant whitespace; object keys ASCII, unique, and sorted by
// byte value; numbers are integers within int64, written without a leading zero, plus sign,
// fraction or exponent, and never "-0"; strings escape exactly '"', '\\' and the control
// characters below 0x20 (as \b \f \n \r \t, others as \u00xx in lowercase hex) and nothing else;
// literals true, false, null. This is precisely what canonical_dump() produces.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace innoclear::crypto {

constexpr std::size_t json_depth_max = 32;       // nesting of arrays and objects
constexpr std::size_t json_bytes_max = 1 << 20;  // one statement or entry

// Checks that `bytes` already are canonical JSON, without building a DOM. On failure the Status
// carries the first reason found (each kind of defect has its own Code) and the byte offset in
// its message. Never throws.
Status check_canonical(std::string_view bytes);

// check_canonical(), then parse. Never throws.
Result<nlohmann::json> parse_canonical(std::string_view bytes);

// The canonical bytes of a value. REQUIRES: the value holds no floating-point number and every
// string and key is valid UTF-8, every key ASCII (asserted).
std::string canonical_dump(const nlohmann::json& value);

}  // namespace innoclear::crypto
