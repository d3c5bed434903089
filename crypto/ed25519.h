// Ed25519 keys and detached signatures (libsodium).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/encoding.h"

namespace innoclear::crypto {

constexpr std::size_t public_key_bytes = 32;
constexpr std::size_t seed_bytes = 32;
constexpr std::size_t signature_bytes = 64;

using PublicKey = std::array<std::uint8_t, public_key_bytes>;
using Signature = std::array<std::uint8_t, signature_bytes>;

// A key pair. The secret half is wiped when the object is destroyed. Not copyable, so that a
// secret lives in one place; moveable.
class KeyPair {
 public:
  static KeyPair generate();
  // Deterministic key from a 32-byte seed (tests, benchmarks).
  static KeyPair from_seed(std::span<const std::uint8_t, seed_bytes> seed);
  // Reads a key file written by save(). Fails with key_file on a missing or malformed file, or
  // one that group or others may read.
  static Result<KeyPair> load(const std::filesystem::path& path);

  KeyPair(KeyPair&& other) noexcept;
  KeyPair& operator=(KeyPair&& other) noexcept;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  ~KeyPair();

  // Writes the seed to a new file with mode 0600. Fails with already_exists rather than
  // overwrite a key, and with key_file on any I/O error.
  Status save(const std::filesystem::path& path) const;

  const PublicKey& public_key() const { return public_key_; }
  Signature sign(std::span<const std::uint8_t> message) const;
  Signature sign(std::string_view message) const { return sign(as_bytes(message)); }

 private:
  KeyPair() = default;
  PublicKey public_key_{};
  std::array<std::uint8_t, 64> secret_key_{};  // libsodium layout: seed ‖ public key
};

bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature);
inline bool verify(const PublicKey& key, std::string_view message,
                   std::span<const std::uint8_t> signature) {
  return verify(key, as_bytes(message), signature);
}

// Public keys travel as standard base64 of the 32 raw bytes.
std::string encode_public_key(const PublicKey& key);
Result<PublicKey> decode_public_key(std::string_view text);

}  // namespace innoclear::crypto
