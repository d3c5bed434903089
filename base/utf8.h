// UTF-8 validation: canonical JSON, signed notes, and any text that leaves a node.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace innoclear {

// The length of the well-formed UTF-8 sequence that starts `rest`, or 0 if there is none. Follows
// Unicode table 3-7, which rules out overlong forms, surrogates and code points above U+10FFFF.
// REQUIRES: !rest.empty().
std::size_t utf8_sequence_bytes(std::string_view rest);

// The code point of a sequence utf8_sequence_bytes() accepted with length `length`.
char32_t utf8_code_point(std::string_view rest, std::size_t length);

bool is_valid_utf8(std::string_view text);

// The code points of `text`, or nullopt if it is not well-formed UTF-8 (as is_valid_utf8()).
std::optional<std::u32string> utf8_decode(std::string_view text);

}  // namespace innoclear
