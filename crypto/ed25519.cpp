#include "crypto/ed25519.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace innoclear::crypto {

namespace {

// libsodium must be initialised once before use; failure means no usable randomness.
void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)ready;
}

constexpr std::string_view key_file_header = "innoclear-ed25519-seed-v1 ";

}  // namespace

KeyPair KeyPair::generate() {
  ensure_sodium();
  KeyPair pair;
  crypto_sign_keypair(pair.public_key_.data(), pair.secret_key_.data());
  return pair;
}

KeyPair KeyPair::from_seed(std::span<const std::uint8_t, seed_bytes> seed) {
  ensure_sodium();
  KeyPair pair;
  crypto_sign_seed_keypair(pair.public_key_.data(), pair.secret_key_.data(), seed.data());
  return pair;
}

KeyPair::KeyPair(KeyPair&& other) noexcept
    : public_key_(other.public_key_), secret_key_(other.secret_key_) {
  sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
}

KeyPair& KeyPair::operator=(KeyPair&& other) noexcept {
  if (this != &other) {
    public_key_ = other.public_key_;
    secret_key_ = other.secret_key_;
    sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
  }
  return *this;
}

KeyPair::~KeyPair() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

Status KeyPair::save(const std::filesystem::path& path) const {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {Code::already_exists, "key file exists: " + path.string()};
    return {Code::key_file, "cannot create " + path.string() + ": " + std::strerror(errno)};
  }
  std::string text(key_file_header);
  text += base64_encode(std::span(secret_key_.data(), seed_bytes));
  text += '\n';
  // 0600 whatever the umask; then the file's bytes and its name in the directory are made durable.
  const bool private_mode = ::fchmod(fd, 0600) == 0;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  sodium_memzero(text.data(), text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!private_mode || !written || !synced)
    return {Code::key_file, "cannot write " + path.string()};
  const std::filesystem::path directory =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  const int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool named = directory_fd >= 0 && ::fsync(directory_fd) == 0;
  if (directory_fd >= 0) ::close(directory_fd);
  if (!named) return {Code::key_file, "cannot sync the directory of " + path.string()};
  return Status::success();
}

Result<KeyPair> KeyPair::load(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return {Code::key_file, "cannot read key file " + path.string() + ": " + std::strerror(errno)};
  }
  if ((info.st_mode & 077) != 0) {
    return {Code::key_file, "key file " + path.string() + " is readable by others (chmod 600)"};
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (!in || line.rfind(key_file_header, 0) != 0) {
    return {Code::key_file, "not an innoclear key file: " + path.string()};
  }
  Result<Bytes> seed = base64_decode(std::string_view(line).substr(key_file_header.size()));
  sodium_memzero(line.data(), line.size());
  if (!seed.ok() || seed->size() != seed_bytes) {
    return {Code::key_file, "malformed key in " + path.string()};
  }
  KeyPair pair = from_seed(std::span<const std::uint8_t, seed_bytes>(seed->data(), seed_bytes));
  sodium_memzero(seed->data(), seed->size());
  return pair;
}

Signature KeyPair::sign(std::span<const std::uint8_t> message) const {
  Signature signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       secret_key_.data());
  return signature;
}

bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature) {
  ensure_sodium();
  if (signature.size() != signature_bytes) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

std::string encode_public_key(const PublicKey& key) { return base64_encode(key); }

Result<PublicKey> decode_public_key(std::string_view text) {
  Result<Bytes> bytes = base64_decode(text);
  if (!bytes.ok() || bytes->size() != public_key_bytes) {
    return {Code::bad_key, "public key must be base64 of 32 bytes"};
  }
  PublicKey key{};
  std::memcpy(key.data(), bytes->data(), key.size());
  return key;
}

}  // namespace innoclear::crypto
