// Shared plumbing of the `innoclear` command line: every verb reports failure as one line,
// "innoclear: <code>: <reason>", on stderr and exits non-zero.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "base/status.h"

namespace innoclear::cli {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;

enum class Output { text, json };

// Prints the one-line reason and returns exit_failure.
int fail(const Status& status);

// Adds `--output text|json` to a verb.
void add_output_option(CLI::App& verb, Output& output);

// Each verb group registers its subcommands; the callback stores the verb's exit code.
void add_init_verbs(CLI::App& app, int& exit_code);
void add_ledger_verbs(CLI::App& app, int& exit_code);
void add_bench_verbs(CLI::App& app, int& exit_code);
// `bench all`; REQUIRES: add_bench_verbs ran first (it adds to the `bench` group).
void add_bench_all_verb(CLI::App& app, int& exit_code);
void add_node_verbs(CLI::App& app, int& exit_code);
void add_client_verbs(CLI::App& app, int& exit_code);
// `keygen` and `credit-code`: offline helpers.
void add_tool_verbs(CLI::App& app, int& exit_code);
void add_up_verbs(CLI::App& app, int& exit_code);

}  // namespace innoclear::cli
