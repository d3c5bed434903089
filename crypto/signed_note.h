// C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.
//
// A note is UTF-8 text ending in a newline, then a blank line, then one signature line per signer:
// "— <key name> <base64(key id ‖ signature)>\n". The key id is the first four bytes (big-endian)
// of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key); a verifier key is
// "<name>+<hex key id>+<base64(0x01 ‖ public key)>". Signatures cover the text including its
// final newline. Go's golang.org/x/mod/sumdb/note accepts what sign_note() writes (tested).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"

namespace innoclear::crypto {

constexpr std::size_t note_bytes_max = 1 << 20;
constexpr std::size_t note_signatures_max = 100;  // as Go's note.Open

// The signature-type byte of Ed25519 in signed notes.
constexpr std::uint8_t note_algorithm_ed25519 = 0x01;

// Non-empty UTF-8 with no Unicode space and no '+'.
bool valid_key_name(std::string_view name);

std::uint32_t note_key_id(std::string_view name, const PublicKey& key,
                          std::uint8_t algorithm = note_algorithm_ed25519);

// A verifier key "<name>+<hex key id>+<base64(type ‖ key)>" taken apart, its type not yet looked
// at: note keys (0x01) and cosigner keys (cosignature.h, 0x04) share the structure, and each
// checks its own type byte and key id with its own errors.
struct VerifierKeyParts {
  std::string name;  // a valid_key_name()
  std::uint32_t key_id = 0;
  Bytes typed_key;  // the type byte, then the key: not checked
};
// nullopt unless there are two '+', a valid name, an 8-digit hex key id and base64 after them.
std::optional<VerifierKeyParts> split_verifier_key(std::string_view vkey);
// The line split_verifier_key() takes apart. REQUIRES: valid_key_name(name).
std::string join_verifier_key(std::string_view name, std::uint32_t key_id, std::uint8_t type,
                              const PublicKey& key);

struct NoteVerifier {
  std::string name;
  std::uint32_t key_id = 0;
  PublicKey key{};
};

// REQUIRES: valid_key_name(name).
NoteVerifier make_note_verifier(std::string_view name, const PublicKey& key);
std::string verifier_key_line(const NoteVerifier& verifier);
// Fails with bad_key on a malformed line, another algorithm, or a key id that does not match.
Result<NoteVerifier> parse_verifier_key_line(std::string_view vkey);

struct NoteSigner {
  std::string name;
  const KeyPair* key = nullptr;  // not owned; must outlive the call
};

// Signs `text` by every signer, in order. Fails with bad_note if the text is empty, lacks the
// final newline, holds a blank line, a control character other than newline, or invalid UTF-8;
// with bad_key on an invalid key name.
Result<std::string> sign_note(std::string_view text, std::span<const NoteSigner> signers);

struct NoteSignatureLine {
  std::string name;
  std::uint32_t key_id = 0;
  std::string signature_base64;  // key id and signature as written
};

struct OpenedNote {
  std::string text;                           // with its final newline
  std::vector<std::string> verified_by;       // names of known keys whose signature verified
  std::vector<NoteSignatureLine> unverified;  // signatures by keys not in `known`
};

// Parses and verifies a signed note. Unknown signers are ignored (kept in `unverified`), as the
// spec says. Fails with bad_note if malformed, bad_signature if a known key's signature does not
// verify, and unknown_signer if no known key signed it.
Result<OpenedNote> open_note(std::string_view message, std::span<const NoteVerifier> known);

}  // namespace innoclear::crypto
