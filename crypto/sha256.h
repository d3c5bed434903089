// SHA-256 through OpenSSL EVP, with a reused context: re-initialising one EVP_MD_CTX is about
// twice as fast as one-shot EVP_Digest on short records, which dominate the Merkle tree.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace innoclear::crypto {

using Hash = std::array<std::uint8_t, 32>;

// Not thread-safe: one Sha256 per thread (see sha256() below for a thread-local one).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Starts a new message, discarding anything hashed since the last finish().
  Sha256& reset();
  Sha256& update(std::span<const std::uint8_t> bytes);
  Sha256& update(std::string_view text);
  Sha256& update(std::uint8_t byte);
  Hash finish();  // the digest; the next update() starts a new message

 private:
  void begin();
  struct Context;
  std::unique_ptr<Context> context_;
  bool started_ = false;  // a message is in progress
};

// The calling thread's reusable hasher, reset.
Sha256& thread_sha256();

Hash sha256(std::span<const std::uint8_t> bytes);
Hash sha256(std::string_view text);

}  // namespace innoclear::crypto
