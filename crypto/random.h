// Cryptographically secure random values (libsodium).
#pragma once

#include <cstddef>
#include <string>

namespace innoclear::crypto {

// `bytes` random bytes as lowercase hex, e.g. for nonces.
std::string random_hex(std::size_t bytes);

}  // namespace innoclear::crypto
