// Offline helpers for clients: key files (`keygen`) and unified social credit codes
// (`credit-code`). Nothing here talks to a node.
#include <iostream>

#include "clearing/credit_code.h"
#include "cli/cli.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"

namespace innoclear::cli {

namespace {

void add_keygen_verb(CLI::App& app, int& exit_code) {
  CLI::App* keygen = app.add_subcommand(
      "keygen", "create a key file (mode 0600) and print its public key, or show a key file's");
  auto out = std::make_shared<std::string>();
  auto show = std::make_shared<std::string>();
  CLI::Option* out_option = keygen->add_option("--out", *out, "key file to create");
  CLI::Option* show_option =
      keygen->add_option("--show", *show, "an existing key file: print its public key");
  out_option->excludes(show_option);
  keygen->callback([out, show, out_option, show_option, &exit_code] {
    if (out_option->count() == 0 && show_option->count() == 0) {
      exit_code = fail(Status(Code::invalid_argument, "give --out FILE or --show FILE"));
      return;
    }
    if (show_option->count() > 0) {
      Result<crypto::KeyPair> key = crypto::KeyPair::load(*show);
      if (!key.ok()) {
        exit_code = fail(key.status());
        return;
      }
      std::cout << crypto::encode_public_key(key->public_key()) << "\n";
      return;
    }
    const crypto::KeyPair key = crypto::KeyPair::generate();
    if (Status saved = key.save(*out); !saved.ok()) {
      exit_code = fail(saved);
      return;
    }
    std::cout << crypto::encode_public_key(key.public_key()) << "\n";
  });
}

// `credit-code check CODE` and `credit-code make FIRST_16`: GB 32100-2015, as the node checks it.
void add_credit_code_verbs(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand(
      "credit-code", "unified social credit codes (GB 32100): check one, or complete one");
  group->require_subcommand(1);
  auto code = std::make_shared<std::string>();
  CLI::App* check = group->add_subcommand("check", "exit 0 if CODE is valid, else say why not");
  check->add_option("CODE", *code, "18 characters, e.g. 91110108MA01C3KD58")->required();
  check->callback([code, &exit_code] {
    if (clearing::valid_credit_code(*code)) {
      std::cout << *code << ": valid\n";
      return;
    }
    exit_code = fail(Status(Code::invalid_credit_code,
                            *code + " is not a valid unified social credit code (length, "
                                    "alphabet, authority and category, division, or a check "
                                    "character; see docs/formats.md)"));
  });
  auto first = std::make_shared<std::string>();
  CLI::App* make = group->add_subcommand(
      "make", "append both check characters to the first 16 characters and print the code");
  make->add_option("FIRST_16", *first,
                   "authority, category, 6-digit division, 8-character organisation code body, "
                   "e.g. 91110108MA01C3KD")
      ->required();
  make->callback([first, &exit_code] {
    const std::string whole = clearing::complete_credit_code(*first);
    if (whole.empty() || !clearing::valid_credit_code(whole)) {
      exit_code = fail(Status(Code::invalid_credit_code,
                              "'" + *first +
                                  "' cannot start a valid code (16 characters: "
                                  "authority, category, division, organisation code)"));
      return;
    }
    std::cout << whole << "\n";
  });
}

}  // namespace

void add_tool_verbs(CLI::App& app, int& exit_code) {
  add_keygen_verb(app, exit_code);
  add_credit_code_verbs(app, exit_code);
}

}  // namespace innoclear::cli
