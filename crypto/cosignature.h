// C2SP tlog-cosignature v1 with Ed25519 (c2sp.org/tlog-cosignature): a witness's timestamped
// statement that, as of that time, the checkpoint it signs is the largest consistent one it has
// seen of that log.
//
// A cosignature is one more signature line on the checkpoint's signed note:
//   "— <cosigner name> base64(key id[4] ‖ timestamp[8, big-endian] ‖ Ed25519 signature[64])\n"
// The key id is note_key_id(name, key, 0x04), so a plain note verifier of the same key (type 0x01)
// never mistakes a cosignature for its own, and open_note() keeps it among the unknown signers.
// The signature covers
//   "cosignature/v1\ntime <timestamp, decimal seconds>\n" ‖ checkpoint text
// where the checkpoint text is the note body with its final newline and without signature lines.
// The message does not name the cosigner, so one key must serve one cosigner name only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/ed25519.h"

namespace innoclear::crypto {

// The signature-type byte of Ed25519 cosignature/v1 in key ids and verifier keys.
constexpr std::uint8_t note_algorithm_cosignature_v1 = 0x04;
// The spec caps timestamps at 2^63 - 1 so that they fit a signed POSIX time.
constexpr std::uint64_t cosignature_timestamp_s_max = (std::uint64_t{1} << 63) - 1;

// A cosigner as a verifier knows it.
struct Cosigner {
  std::string name;
  std::uint32_t key_id = 0;  // note_key_id(name, key, note_algorithm_cosignature_v1)
  PublicKey key{};
};

// REQUIRES: valid_key_name(name).
Cosigner make_cosigner(std::string_view name, const PublicKey& key);
// "<name>+<hex key id>+<base64(0x04 ‖ public key)>". REQUIRES: valid_key_name(name).
std::string cosigner_verifier_key(std::string_view name, const PublicKey& key);
// Fails with bad_key on a malformed line, another signature type (a plain 0x01 note key
// included: a cosigner's key is configured as such), or a key id that does not match the key.
Result<Cosigner> parse_cosigner_verifier_key(std::string_view vkey);

// The exact bytes a cosigner signs. REQUIRES: timestamp_s <= cosignature_timestamp_s_max.
std::string cosignature_message(std::string_view checkpoint_text, std::uint64_t timestamp_s);

// Signs `checkpoint_text` (the note body, not the signed note) and returns the signature line to
// append to the note, with its trailing newline. Fails with bad_note if the text is not note text
// (the rules of sign_note()), bad_key on an invalid name, invalid_argument on a timestamp above
// cosignature_timestamp_s_max.
Result<std::string> cosign_checkpoint(std::string_view checkpoint_text, std::string_view name,
                                      const KeyPair& key, std::uint64_t timestamp_s);

// A cosignature line taken apart, not yet verified.
struct CosignatureLine {
  std::string name;
  std::uint32_t key_id = 0;
  std::uint64_t timestamp_s = 0;
  Signature signature{};
};

// Parses "— <name> <base64>" with or without the trailing newline. Fails with bad_note if the line
// is malformed or its payload is not 4 + 8 + 64 bytes (so is not an Ed25519 cosignature).
Result<CosignatureLine> parse_cosignature_line(std::string_view line);

// Verifies one cosignature line over `checkpoint_text` and returns its timestamp. Fails with
// bad_note if the text or the line is malformed, unknown_signer if the line is by another name or
// key id, bad_signature if the signature does not verify or the timestamp exceeds the cap.
Result<std::uint64_t> verify_cosignature(std::string_view checkpoint_text,
                                         std::string_view signature_line, const Cosigner& cosigner);
// The same for a cosigner given by name and key; fails with bad_key on an invalid name.
Result<std::uint64_t> verify_cosignature(std::string_view checkpoint_text,
                                         std::string_view signature_line, std::string_view name,
                                         const PublicKey& key);

// Finds `cosigner`'s cosignature among the signature lines of a whole signed note and returns its
// timestamp. Other signers' lines are ignored unverified, as the signed-note spec says. Fails with
// bad_note if the note is malformed, unknown_signer if the cosigner did not sign it, bad_signature
// if its line does not verify.
Result<std::uint64_t> verify_note_cosignature(std::string_view note, const Cosigner& cosigner);

}  // namespace innoclear::crypto
