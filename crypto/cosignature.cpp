#include "crypto/cosignature.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "crypto/encoding.h"
#include "crypto/signed_note.h"

namespace innoclear::crypto {

namespace {

constexpr std::string_view cosignature_prefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::size_t key_id_bytes = 4;
constexpr std::size_t timestamp_bytes = 8;
constexpr std::size_t cosignature_bytes = key_id_bytes + timestamp_bytes + signature_bytes;

// sign_note() with no signers checks note text by exactly the rules it signs under, and signs
// nothing: a cosignature then covers only text a note could carry.
bool valid_note_text(std::string_view text) { return sign_note(text, {}).ok(); }

std::uint64_t read_be(const std::uint8_t* bytes, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) value = (value << 8) | bytes[i];
  return value;
}

void write_be(std::uint64_t value, std::uint8_t* bytes, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    bytes[i] = static_cast<std::uint8_t>(value >> (8 * (count - 1 - i)));
  }
}

struct SplitLine {
  std::string_view name;
  Bytes payload;  // key id ‖ signature, as decoded
};

// "— <name> <base64>", with or without its newline, into name and decoded payload.
Result<SplitLine> split_signature_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.substr(0, cosignature_prefix.size()) != cosignature_prefix) {
    return {Code::bad_note, "signature line does not start with an em dash"};
  }
  line.remove_prefix(cosignature_prefix.size());
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return {Code::bad_note, "malformed signature line"};
  const std::string_view name = line.substr(0, space);
  Result<Bytes> payload = base64_decode(line.substr(space + 1));
  if (!valid_key_name(name) || !payload.ok() || payload->size() <= key_id_bytes) {
    return {Code::bad_note, "malformed signature line"};
  }
  return SplitLine{name, std::move(*payload)};
}

// REQUIRES: split.payload.size() == cosignature_bytes.
CosignatureLine to_cosignature(const SplitLine& split) {
  CosignatureLine parsed;
  parsed.name = std::string(split.name);
  parsed.key_id = static_cast<std::uint32_t>(read_be(split.payload.data(), key_id_bytes));
  parsed.timestamp_s = read_be(split.payload.data() + key_id_bytes, timestamp_bytes);
  std::memcpy(parsed.signature.data(), split.payload.data() + key_id_bytes + timestamp_bytes,
              signature_bytes);
  return parsed;
}

// Checks a parsed line already known to be by `cosigner`.
Result<std::uint64_t> check_signature(std::string_view checkpoint_text, const CosignatureLine& line,
                                      const Cosigner& cosigner) {
  if (line.timestamp_s > cosignature_timestamp_s_max) {
    return {Code::bad_signature, "cosignature timestamp exceeds 2^63 - 1"};
  }
  if (!verify(cosigner.key, cosignature_message(checkpoint_text, line.timestamp_s),
              line.signature)) {
    return {Code::bad_signature, "invalid cosignature by " + cosigner.name};
  }
  return line.timestamp_s;
}

}  // namespace

Cosigner make_cosigner(std::string_view name, const PublicKey& key) {
  assert(valid_key_name(name));
  return {std::string(name), note_key_id(name, key, note_algorithm_cosignature_v1), key};
}

std::string cosigner_verifier_key(std::string_view name, const PublicKey& key) {
  assert(valid_key_name(name));
  return join_verifier_key(name, note_key_id(name, key, note_algorithm_cosignature_v1),
                           note_algorithm_cosignature_v1, key);
}

Result<Cosigner> parse_cosigner_verifier_key(std::string_view vkey) {
  std::optional<VerifierKeyParts> parts = split_verifier_key(vkey);
  if (!parts) return {Code::bad_key, "malformed cosigner verifier key"};
  if (parts->typed_key.size() != 1 + public_key_bytes ||
      parts->typed_key[0] != note_algorithm_cosignature_v1) {
    return {Code::bad_key, "verifier key is not an Ed25519 cosignature/v1 key"};
  }
  PublicKey key{};
  std::memcpy(key.data(), parts->typed_key.data() + 1, public_key_bytes);
  Cosigner cosigner = make_cosigner(parts->name, key);
  if (cosigner.key_id != parts->key_id) {
    return {Code::bad_key, "cosigner key id does not match its key"};
  }
  return cosigner;
}

std::string cosignature_message(std::string_view checkpoint_text, std::uint64_t timestamp_s) {
  assert(timestamp_s <= cosignature_timestamp_s_max);
  std::string message = "cosignature/v1\ntime " + std::to_string(timestamp_s) + "\n";
  message += checkpoint_text;
  return message;
}

Result<std::string> cosign_checkpoint(std::string_view checkpoint_text, std::string_view name,
                                      const KeyPair& key, std::uint64_t timestamp_s) {
  if (!valid_note_text(checkpoint_text)) {
    return {Code::bad_note, "checkpoint text must be non-empty lines of UTF-8 ending in newline"};
  }
  if (!valid_key_name(name)) return {Code::bad_key, "invalid cosigner name"};
  if (timestamp_s > cosignature_timestamp_s_max) {
    return {Code::invalid_argument, "cosignature timestamp exceeds 2^63 - 1"};
  }
  const Signature signature = key.sign(cosignature_message(checkpoint_text, timestamp_s));
  Bytes payload(cosignature_bytes);
  write_be(note_key_id(name, key.public_key(), note_algorithm_cosignature_v1), payload.data(),
           key_id_bytes);
  write_be(timestamp_s, payload.data() + key_id_bytes, timestamp_bytes);
  std::copy(signature.begin(), signature.end(), payload.begin() + key_id_bytes + timestamp_bytes);
  return std::string(cosignature_prefix) + std::string(name) + " " + base64_encode(payload) + "\n";
}

Result<CosignatureLine> parse_cosignature_line(std::string_view line) {
  Result<SplitLine> split = split_signature_line(line);
  if (!split.ok()) return split.status();
  if (split->payload.size() != cosignature_bytes) {
    return {Code::bad_note, "signature is not an Ed25519 cosignature (76 bytes)"};
  }
  return to_cosignature(*split);
}

Result<std::uint64_t> verify_cosignature(std::string_view checkpoint_text,
                                         std::string_view signature_line,
                                         const Cosigner& cosigner) {
  if (!valid_note_text(checkpoint_text)) return {Code::bad_note, "malformed checkpoint text"};
  Result<CosignatureLine> line = parse_cosignature_line(signature_line);
  if (!line.ok()) return line.status();
  if (line->name != cosigner.name || line->key_id != cosigner.key_id) {
    return {Code::unknown_signer, "cosignature is not by " + cosigner.name};
  }
  return check_signature(checkpoint_text, *line, cosigner);
}

Result<std::uint64_t> verify_cosignature(std::string_view checkpoint_text,
                                         std::string_view signature_line, std::string_view name,
                                         const PublicKey& key) {
  if (!valid_key_name(name)) return {Code::bad_key, "invalid cosigner name"};
  return verify_cosignature(checkpoint_text, signature_line, make_cosigner(name, key));
}

Result<std::uint64_t> verify_note_cosignature(std::string_view note, const Cosigner& cosigner) {
  const std::size_t split = note.rfind("\n\n");
  if (note.size() > note_bytes_max || split == std::string_view::npos) {
    return {Code::bad_note, "note has no signature block"};
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view block = note.substr(split + 2);
  if (!valid_note_text(text) || block.empty() || block.back() != '\n') {
    return {Code::bad_note, "malformed note"};
  }
  for (std::size_t count = 1; !block.empty(); ++count) {
    if (count > note_signatures_max) return {Code::bad_note, "too many signatures"};
    const std::size_t end = block.find('\n');
    Result<SplitLine> line = split_signature_line(block.substr(0, end));
    block.remove_prefix(end + 1);
    if (!line.ok()) return line.status();
    if (line->name != cosigner.name ||
        read_be(line->payload.data(), key_id_bytes) != cosigner.key_id) {
      continue;  // another signer's line, left unverified
    }
    if (line->payload.size() != cosignature_bytes) {
      return {Code::bad_signature, "cosignature by " + cosigner.name + " has the wrong length"};
    }
    return check_signature(text, to_cosignature(*line), cosigner);
  }
  return {Code::unknown_signer, cosigner.name + " did not cosign the note"};
}

}  // namespace innoclear::crypto
