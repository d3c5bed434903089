#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>

namespace innoclear::crypto {

struct Sha256::Context {
  EVP_MD_CTX* context = nullptr;
  EVP_MD* digest = nullptr;  // explicitly fetched: EVP_sha256() would be re-fetched, under a
                             // global lock, on every EVP_DigestInit_ex2
};

namespace {
// OpenSSL failing to hash in memory means a broken library, not an operating error.
void require(int openssl_result) {
  if (openssl_result != 1) std::abort();
}
}  // namespace

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->context = EVP_MD_CTX_new();
  context_->digest = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  assert(context_->context != nullptr);
  assert(context_->digest != nullptr);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(context_->context);
  EVP_MD_free(context_->digest);
}

// Initialisation is lazy so that finish() followed by the next message costs one init, not two.
void Sha256::begin() {
  if (!started_) {
    require(EVP_DigestInit_ex2(context_->context, context_->digest, nullptr));
    started_ = true;
  }
}

Sha256& Sha256::reset() {
  started_ = false;
  return *this;
}

Sha256& Sha256::update(std::span<const std::uint8_t> bytes) {
  begin();
  require(EVP_DigestUpdate(context_->context, bytes.data(), bytes.size()));
  return *this;
}

Sha256& Sha256::update(std::string_view text) {
  begin();
  require(EVP_DigestUpdate(context_->context, text.data(), text.size()));
  return *this;
}

Sha256& Sha256::update(std::uint8_t byte) {
  begin();
  require(EVP_DigestUpdate(context_->context, &byte, 1));
  return *this;
}

Hash Sha256::finish() {
  begin();  // the digest of the empty message
  Hash out{};
  unsigned int length = 0;
  require(EVP_DigestFinal_ex(context_->context, out.data(), &length));
  assert(length == out.size());
  started_ = false;
  return out;
}

Sha256& thread_sha256() {
  thread_local Sha256 hasher;
  return hasher.reset();
}

Hash sha256(std::span<const std::uint8_t> bytes) { return thread_sha256().update(bytes).finish(); }
Hash sha256(std::string_view text) { return thread_sha256().update(text).finish(); }

}  // namespace innoclear::crypto
