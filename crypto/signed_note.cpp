#include "crypto/signed_note.h"

#include <algorithm>
#include <cstring>

#include "base/utf8.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace innoclear::crypto {

namespace {

constexpr std::string_view signature_prefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

// Decodes one UTF-8 sequence at `i`; returns its length, or 0 if invalid.
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& code_point) {
  const std::size_t length = utf8_sequence_bytes(text.substr(i));
  if (length != 0) code_point = utf8_code_point(text.substr(i), length);
  return length;
}

// Valid UTF-8 without ASCII control characters other than newline (Go's note.Open rule).
bool valid_note_bytes(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t code_point = 0;
    const std::size_t length = decode_utf8(text, i, code_point);
    if (length == 0) return false;
    if (code_point < 0x20 && code_point != '\n') return false;
    i += length;
  }
  return true;
}

bool is_unicode_space(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::uint32_t read_be32(const std::uint8_t* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

void write_be32(std::uint32_t value, std::uint8_t* bytes) {
  for (int k = 0; k < 4; ++k) bytes[k] = static_cast<std::uint8_t>(value >> (24 - 8 * k));
}

std::string signature_line(const NoteSigner& signer, std::string_view text) {
  const std::uint32_t key_id = note_key_id(signer.name, signer.key->public_key());
  const Signature signature = signer.key->sign(text);
  Bytes blob(4 + signature.size());
  write_be32(key_id, blob.data());
  std::copy(signature.begin(), signature.end(), blob.begin() + 4);
  std::string line(signature_prefix);
  line += signer.name;
  line += ' ';
  line += base64_encode(blob);
  line += '\n';
  return line;
}

}  // namespace

bool valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size();) {
    char32_t code_point = 0;
    const std::size_t length = decode_utf8(name, i, code_point);
    if (length == 0 || code_point == '+' || is_unicode_space(code_point)) return false;
    i += length;
  }
  return true;
}

std::uint32_t note_key_id(std::string_view name, const PublicKey& key, std::uint8_t algorithm) {
  const Hash hash = thread_sha256()
                        .update(name)
                        .update(std::uint8_t{'\n'})
                        .update(algorithm)
                        .update(key)
                        .finish();
  return read_be32(hash.data());
}

NoteVerifier make_note_verifier(std::string_view name, const PublicKey& key) {
  assert(valid_key_name(name));
  return {std::string(name), note_key_id(name, key), key};
}

std::optional<VerifierKeyParts> split_verifier_key(std::string_view vkey) {
  // Names and hex ids hold no '+', but base64 may: split at the first two.
  const std::size_t first = vkey.find('+');
  const std::size_t second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos || first == 0) return std::nullopt;
  const std::string_view name = vkey.substr(0, first);
  const std::string_view id_hex = vkey.substr(first + 1, second - first - 1);
  Result<Bytes> id = hex_decode(id_hex);
  Result<Bytes> typed_key = base64_decode(vkey.substr(second + 1));
  if (!valid_key_name(name) || id_hex.size() != 8 || !id.ok() || !typed_key.ok()) {
    return std::nullopt;
  }
  return VerifierKeyParts{std::string(name), read_be32(id->data()), std::move(*typed_key)};
}

std::string join_verifier_key(std::string_view name, std::uint32_t key_id, std::uint8_t type,
                              const PublicKey& key) {
  Bytes typed_key(1 + key.size());
  typed_key[0] = type;
  std::copy(key.begin(), key.end(), typed_key.begin() + 1);
  std::uint8_t id[4];
  write_be32(key_id, id);
  return std::string(name) + "+" + hex_encode(id) + "+" + base64_encode(typed_key);
}

std::string verifier_key_line(const NoteVerifier& verifier) {
  return join_verifier_key(verifier.name, verifier.key_id, note_algorithm_ed25519, verifier.key);
}

Result<NoteVerifier> parse_verifier_key_line(std::string_view vkey) {
  std::optional<VerifierKeyParts> parts = split_verifier_key(vkey);
  if (!parts) return {Code::bad_key, "malformed verifier key"};
  if (parts->typed_key.size() != 1 + public_key_bytes ||
      parts->typed_key[0] != note_algorithm_ed25519) {
    return {Code::bad_key, "verifier key is not an Ed25519 key"};
  }
  NoteVerifier verifier;
  verifier.name = std::move(parts->name);
  std::memcpy(verifier.key.data(), parts->typed_key.data() + 1, public_key_bytes);
  verifier.key_id = parts->key_id;
  if (verifier.key_id != note_key_id(verifier.name, verifier.key)) {
    return {Code::bad_key, "verifier key id does not match its key"};
  }
  return verifier;
}

Result<std::string> sign_note(std::string_view text, std::span<const NoteSigner> signers) {
  if (text.empty() || text.back() != '\n' || text.find("\n\n") != std::string_view::npos ||
      text.front() == '\n' || !valid_note_bytes(text) || text.size() > note_bytes_max) {
    return {Code::bad_note, "note text must be non-empty lines of UTF-8, each ending in newline"};
  }
  std::string note(text);
  note += '\n';
  for (const NoteSigner& signer : signers) {
    assert(signer.key != nullptr);
    if (!valid_key_name(signer.name)) return {Code::bad_key, "invalid key name"};
    note += signature_line(signer, text);
  }
  return note;
}

Result<OpenedNote> open_note(std::string_view message, std::span<const NoteVerifier> known) {
  if (message.size() > note_bytes_max || !valid_note_bytes(message)) {
    return {Code::bad_note, "note is not valid UTF-8 text"};
  }
  const std::size_t split = message.rfind("\n\n");
  if (split == std::string_view::npos) return {Code::bad_note, "note has no signature block"};
  OpenedNote opened;
  opened.text = std::string(message.substr(0, split + 1));
  std::string_view block = message.substr(split + 2);
  if (block.empty() || block.back() != '\n') return {Code::bad_note, "malformed signature block"};
  std::size_t count = 0;
  std::vector<const NoteVerifier*> verified;
  while (!block.empty()) {
    const std::size_t end = block.find('\n');
    std::string_view line = block.substr(0, end);
    block.remove_prefix(end + 1);
    if (++count > note_signatures_max) return {Code::bad_note, "too many signatures"};
    if (line.substr(0, signature_prefix.size()) != signature_prefix) {
      return {Code::bad_note, "malformed signature line"};
    }
    line.remove_prefix(signature_prefix.size());
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return {Code::bad_note, "malformed signature line"};
    const std::string_view name = line.substr(0, space);
    const std::string_view encoded = line.substr(space + 1);
    Result<Bytes> blob = base64_decode(encoded);
    if (!valid_key_name(name) || !blob.ok() || blob->size() < 5) {
      return {Code::bad_note, "malformed signature line"};
    }
    const std::uint32_t key_id = read_be32(blob->data());
    const auto verifier = std::find_if(known.begin(), known.end(), [&](const NoteVerifier& v) {
      return v.name == name && v.key_id == key_id;
    });
    if (verifier == known.end()) {
      opened.unverified.push_back({std::string(name), key_id, std::string(encoded)});
      continue;
    }
    if (std::find(verified.begin(), verified.end(), &*verifier) != verified.end()) {
      continue;  // a repeated signature by a key already verified
    }
    if (!verify(verifier->key, opened.text, std::span(blob->data() + 4, blob->size() - 4))) {
      return {Code::bad_signature, "invalid signature by " + std::string(name)};
    }
    verified.push_back(&*verifier);
    opened.verified_by.push_back(std::string(name));
  }
  if (opened.verified_by.empty()) return {Code::unknown_signer, "no known key signed the note"};
  return opened;
}

}  // namespace innoclear::crypto
