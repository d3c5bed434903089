// `innoclear ledger …`: the auditor's verbs. Read-only, offline, on a data directory; they work
// beside a running node (LMDB readers never block its writer).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/cli.h"
#include "crypto/canonical_json.h"
#include "crypto/cosignature.h"
#include "crypto/encoding.h"
#include "crypto/signed_note.h"
#include "nodes/data_dir.h"

namespace innoclear::cli {

namespace {

struct Opened {
  nodes::NodeIdentity identity;
  std::unique_ptr<ledger::Ledger> ledger;
};

Result<Opened> open_read_only(const std::string& data) {
  const nodes::DataDir dir{data};
  Result<nodes::NodeIdentity> identity = nodes::read_identity(dir);
  if (!identity.ok()) return identity.status();
  Result<std::unique_ptr<ledger::Ledger>> ledger =
      ledger::Ledger::open(nodes::ledger_options(dir, *identity, nullptr, true));
  if (!ledger.ok()) return ledger.status();
  return Opened{*identity, std::move(*ledger)};
}

nlohmann::json base64_list(const std::vector<ledger::Hash>& hashes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& hash : hashes) list.push_back(crypto::base64_encode(hash));
  return list;
}

// Runs `body` on the opened ledger and turns a failure into the verb's exit code.
template <class Body>
void with_ledger(const std::string& data, int& exit_code, Body body) {
  Result<Opened> opened = open_read_only(data);
  if (!opened.ok()) {
    exit_code = fail(opened.status());
    return;
  }
  Status status = body(*opened);
  if (!status.ok()) exit_code = fail(status);
}

Status print_checkpoint(Opened& opened) {
  Result<ledger::ReadView> view = opened.ledger->view();
  if (!view.ok()) return view.status();
  Result<std::string> note = view->latest_checkpoint();
  if (!note.ok()) return note.status();
  std::fwrite(note->data(), 1, note->size(), stdout);
  return Status::success();
}

Status print_export(Opened& opened) {
  Result<ledger::ReadView> view = opened.ledger->view();
  if (!view.ok()) return view.status();
  return view->for_each_entry(0, [](std::uint64_t, std::string_view entry) {
    std::fwrite(entry.data(), 1, entry.size(), stdout);
    std::fputc('\n', stdout);
    return true;
  });
}

struct ProveArguments {
  std::optional<std::uint64_t> index, size, from, to;
};

Status print_proof(Opened& opened, const ProveArguments& arguments) {
  Result<ledger::ReadView> view = opened.ledger->view();
  if (!view.ok()) return view.status();
  nlohmann::ordered_json out;
  if (arguments.index && arguments.size && !arguments.from && !arguments.to) {
    Result<ledger::InclusionProof> proof = view->prove_inclusion(*arguments.index, *arguments.size);
    if (!proof.ok()) return proof.status();
    out = {{"index", proof->index},
           {"tree_size", proof->tree_size},
           {"leaf_hash", crypto::base64_encode(proof->leaf_hash)},
           {"hashes", base64_list(proof->hashes)}};
  } else if (arguments.from && arguments.to && !arguments.index && !arguments.size) {
    Result<ledger::ConsistencyProof> proof =
        view->prove_consistency(*arguments.from, *arguments.to);
    if (!proof.ok()) return proof.status();
    out = {{"from", proof->from}, {"to", proof->to}, {"hashes", base64_list(proof->hashes)}};
  } else {
    return {Code::invalid_argument, "give either --index and --size, or --from and --to"};
  }
  std::cout << out.dump() << "\n";
  return Status::success();
}

Status print_verify(Opened& opened, const std::string& vkey, Output output) {
  crypto::PublicKey key = opened.identity.public_key;
  if (!vkey.empty()) {
    // An auditor who trusts no node brings the verifier key from elsewhere.
    Result<crypto::NoteVerifier> verifier = crypto::parse_verifier_key_line(vkey);
    if (!verifier.ok()) return verifier.status();
    if (verifier->name != opened.identity.origin) {
      return {Code::bad_key, "verifier key is for " + verifier->name};
    }
    key = verifier->key;
  }
  const auto start = std::chrono::steady_clock::now();
  Result<ledger::VerifyReport> report = opened.ledger->verify(key);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) return report.status();
  const double rate = seconds > 0 ? static_cast<double>(report->entries) / seconds : 0;
  if (output == Output::json) {
    std::cout << nlohmann::ordered_json{{"ok", true},
                                        {"entries", report->entries},
                                        {"tree_hashes", report->tree_hashes},
                                        {"checkpoints", report->checkpoints},
                                        {"state_rows", report->state_rows},
                                        {"seconds", seconds},
                                        {"entries_per_second", rate}}
                     .dump()
              << "\n";
  } else {
    std::printf(
        "verify %s: ok: %llu entries, %llu stored subtree hashes, %llu checkpoints, %llu state rows"
        " (%.3f s, %.0f entries/s)\n",
        opened.identity.origin.c_str(), static_cast<unsigned long long>(report->entries),
        static_cast<unsigned long long>(report->tree_hashes),
        static_cast<unsigned long long>(report->checkpoints),
        static_cast<unsigned long long>(report->state_rows), seconds, rate);
  }
  return Status::success();
}

}  // namespace

void add_ledger_verbs(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("ledger", "auditor verbs on a data directory (read-only)");
  group->require_subcommand(1);
  struct Arguments {
    std::string data;
    std::string vkey;
    bool cosigner = false;
    Output output = Output::text;
    ProveArguments prove;
  };
  auto arguments = std::make_shared<Arguments>();
  const auto verb = [&](const char* name, const char* help) {
    CLI::App* sub = group->add_subcommand(name, help);
    sub->add_option("--data", arguments->data, "the node's data directory")->required();
    return sub;
  };
  CLI::App* vkey = verb("vkey", "print the signed-note verifier key of the node's checkpoints");
  vkey->add_flag("--cosigner", arguments->cosigner,
                 "print instead the key of the node's cosignatures of its peers' checkpoints "
                 "(C2SP tlog-cosignature, as a witness)");
  vkey->callback([arguments, &exit_code] {
    with_ledger(arguments->data, exit_code, [&](Opened& opened) {
      std::cout << (arguments->cosigner ? crypto::cosigner_verifier_key(opened.identity.origin,
                                                                        opened.identity.public_key)
                                        : opened.identity.verifier_key)
                << "\n";
      return Status::success();
    });
  });
  verb("checkpoint", "print the latest signed checkpoint, exactly as served")
      ->callback(
          [arguments, &exit_code] { with_ledger(arguments->data, exit_code, print_checkpoint); });
  verb("export", "print every entry, exact bytes, one per line, in order")
      ->callback(
          [arguments, &exit_code] { with_ledger(arguments->data, exit_code, print_export); });
  CLI::App* prove = verb("prove", "print an RFC 9162 inclusion or consistency proof as JSON");
  prove->add_option("--index", arguments->prove.index, "leaf index (inclusion)");
  prove->add_option("--size", arguments->prove.size, "tree size (inclusion)");
  prove->add_option("--from", arguments->prove.from, "first tree size (consistency)");
  prove->add_option("--to", arguments->prove.to, "second tree size (consistency)");
  prove->callback([arguments, &exit_code] {
    with_ledger(arguments->data, exit_code,
                [&](Opened& opened) { return print_proof(opened, arguments->prove); });
  });
  CLI::App* verify =
      verb("verify", "recheck every entry, tree hash, checkpoint, signature and derived-state row");
  verify->add_option("--vkey", arguments->vkey,
                     "verifier key to check against (default: node.json)");
  add_output_option(*verify, arguments->output);
  verify->callback([arguments, &exit_code] {
    with_ledger(arguments->data, exit_code, [&](Opened& opened) {
      return print_verify(opened, arguments->vkey, arguments->output);
    });
  });
}

}  // namespace innoclear::cli
