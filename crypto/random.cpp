#include "crypto/random.h"

#include <sodium.h>

#include <cstdlib>
#include <vector>

#include "crypto/encoding.h"

namespace innoclear::crypto {

std::string random_hex(std::size_t bytes) {
  if (sodium_init() < 0) std::abort();  // no randomness: nothing safe to do
  std::vector<std::uint8_t> buffer(bytes);
  randombytes_buf(buffer.data(), buffer.size());
  return hex_encode(buffer);
}

}  // namespace innoclear::crypto
